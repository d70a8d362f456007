/// Placeholder until the guard library lands.
public enum SelfConnectGuardModule {}
