namespace Cryo.Agent.Restoring.Lazy;

/// <summary>A lazy restore's page server ended before it served every page; the restored tree was killed.</summary>
public sealed class LazyPagesLostException(string message) : Exception(message);
