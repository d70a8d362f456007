public enum HostNetModule {}
