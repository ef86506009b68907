namespace Cryo.Kubectl;

/// <summary>The object a verb names does not exist; the message says which and how to list what does.</summary>
public sealed class NotFoundException(string message) : Exception(message);
