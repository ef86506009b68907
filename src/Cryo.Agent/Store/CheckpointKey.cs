namespace Cryo.Agent.Store;

/// <summary>
/// Identifies one checkpoint: the Kubernetes namespace and name of the Checkpoint object and its UID
/// (so a Checkpoint deleted and recreated under the same name never meets the old images).
/// Every instance is validated: holding a key means its parts are safe path components.
/// </summary>
public sealed record CheckpointKey
{
    /// <summary>Creates a key, validating every part.</summary>
    /// <exception cref="InvalidCheckpointNameException">A part is not allowed; the exception says which and why.</exception>
    public CheckpointKey(string @namespace, string name, string uid)
    {
        StoreNames.ValidateNamespace(@namespace);
        StoreNames.ValidateName(name);
        StoreNames.ValidateUid(uid);
        if (name.Length + 1 + uid.Length > StoreNames.MaxDirectoryEntryLength)
        {
            throw new InvalidCheckpointNameException(
                "name",
                name,
                $"\"<name>-<uid>\" is one directory entry and must stay within {StoreNames.MaxDirectoryEntryLength} characters (the UID has {uid.Length})");
        }

        Namespace = @namespace;
        Name = name;
        Uid = uid;
    }

    /// <summary>The Kubernetes namespace.</summary>
    public string Namespace { get; }

    /// <summary>The checkpoint's name.</summary>
    public string Name { get; }

    /// <summary>The checkpoint's UID.</summary>
    public string Uid { get; }

    /// <summary>The checkpoint's directory name inside its namespace directory: <c>&lt;name&gt;-&lt;uid&gt;</c>.</summary>
    public string DirectoryName => $"{Name}-{Uid}";

    /// <inheritdoc />
    public override string ToString() => $"{Namespace}/{Name} (uid {Uid})";
}
