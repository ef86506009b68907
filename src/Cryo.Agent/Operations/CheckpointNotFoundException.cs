namespace Cryo.Agent.Operations;

/// <summary>No committed checkpoint with this namespace and name (NOT_FOUND).</summary>
public sealed class CheckpointNotFoundException : AgentException
{
    /// <summary>Creates the exception for the missing checkpoint.</summary>
    public CheckpointNotFoundException(string @namespace, string name)
        : this(@namespace, name, $"checkpoint {@namespace}/{name} does not exist in the store")
    {
    }

    /// <summary>Creates the exception for the missing checkpoint, saying who needed it.</summary>
    public CheckpointNotFoundException(string @namespace, string name, string message)
        : base(message)
    {
        Namespace = @namespace;
        Name = name;
    }

    /// <summary>The checkpoint's namespace.</summary>
    public string Namespace { get; }

    /// <summary>The checkpoint's name.</summary>
    public string Name { get; }
}
