namespace Cryo.Kubectl;

/// <summary>
/// The cluster is not in a state the command can act on (the object it names does not exist, or is not finished):
/// the message says which and what to do. Exit code 1, as kubectl's for a missing object.
/// </summary>
public sealed class CommandRefusedException(string message) : Exception(message);
