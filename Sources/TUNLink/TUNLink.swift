public enum TUNLinkModule {}
