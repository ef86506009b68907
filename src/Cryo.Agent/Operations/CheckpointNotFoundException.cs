namespace Cryo.Agent.Operations;

/// <summary>No committed checkpoint with this namespace and name (NOT_FOUND).</summary>
public sealed class CheckpointNotFoundException : AgentException
{
    /// <summary>Creates the exception for the missing checkpoint.</summary>
    public CheckpointNotFoundException(string @namespace, string name)
        : base($"checkpoint {@namespace}/{name} does not exist in the store")
    {
        Namespace = @namespace;
        Name = name;
    }

    /// <summary>The checkpoint's namespace.</summary>
    public string Namespace { get; }

    /// <summary>The checkpoint's name.</summary>
    public string Name { get; }
}
