public enum TCPStackModule {}
