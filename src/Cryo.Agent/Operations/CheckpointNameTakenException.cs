namespace Cryo.Agent.Operations;

/// <summary>
/// A committed checkpoint with this namespace and name was made by another operation (ALREADY_EXISTS).
/// The same operation repeated is not an error: it gets the first result.
/// </summary>
public sealed class CheckpointNameTakenException : AgentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="namespace">The checkpoint's namespace.</param>
    /// <param name="name">The checkpoint's name.</param>
    /// <param name="existingOperationId">The operation that made the existing checkpoint.</param>
    public CheckpointNameTakenException(string @namespace, string name, string existingOperationId)
        : base($"checkpoint {@namespace}/{name} already exists (made by operation {existingOperationId}); delete it or choose another name")
    {
        Namespace = @namespace;
        Name = name;
        ExistingOperationId = existingOperationId;
    }

    /// <summary>The checkpoint's namespace.</summary>
    public string Namespace { get; }

    /// <summary>The checkpoint's name.</summary>
    public string Name { get; }

    /// <summary>The operation that made the existing checkpoint.</summary>
    public string ExistingOperationId { get; }
}
