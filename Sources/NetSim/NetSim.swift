public enum NetSimModule {}
