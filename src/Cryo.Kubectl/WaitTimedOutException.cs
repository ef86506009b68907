namespace Cryo.Kubectl;

/// <summary>--wait gave up after --timeout; the object goes on in the cluster.</summary>
public sealed class WaitTimedOutException(string message) : Exception(message);
