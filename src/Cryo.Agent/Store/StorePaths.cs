namespace Cryo.Agent.Store;

/// <summary>
/// Builds every path of the store and checks each one, after <see cref="Path.GetFullPath(string)"/>,
/// to be strictly inside the root: the last guard behind name validation.
/// </summary>
internal sealed class StorePaths
{
    /// <summary>Name of the directory holding uncommitted and half-deleted checkpoints.</summary>
    public const string TemporaryDirectoryName = ".tmp";

    /// <summary>The suffix of a pull's temporary directory (<see cref="PullTemporary"/>).</summary>
    public const string PullSuffix = ".pull";

    /// <summary>A checkpoint's CRIU image directory.</summary>
    public const string ImagesDirectoryName = "images";

    /// <summary>
    /// A checkpoint's page index (<c>Cryo.Criu.Images.PageHashIndex</c>, protobuf), beside its manifest: the hash of
    /// every page it resolves, what its increments compare against.
    /// </summary>
    public const string PageIndexFileName = "page-index.pb";

    /// <summary>A checkpoint's log directory.</summary>
    public const string LogsDirectoryName = "logs";

    public StorePaths(string root, string owner = "checkpoint")
    {
        if (string.IsNullOrWhiteSpace(root) || !Path.IsPathFullyQualified(root))
        {
            throw new ArgumentException($"the checkpoint store root must be an absolute path, got \"{root}\"", nameof(root));
        }

        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        Temporary = Inside(Root, TemporaryDirectoryName);
        OwnTemporary = Inside(Temporary, owner);
    }

    /// <summary>The store root, absolute and normalized.</summary>
    public string Root { get; }

    /// <summary><c>&lt;root&gt;/.tmp</c>.</summary>
    public string Temporary { get; }

    /// <summary>
    /// <c>&lt;root&gt;/.tmp/&lt;owner&gt;</c>: this agent's temporary entries. The volume may be shared by the
    /// agents of every node; each only ever sweeps its own.
    /// </summary>
    public string OwnTemporary { get; }

    public string Namespace(string @namespace)
    {
        StoreNames.ValidateNamespace(@namespace);
        return Inside(Root, @namespace);
    }

    public string Checkpoint(CheckpointKey key) => Inside(Root, key.Namespace, key.DirectoryName);

    /// <summary>A fresh temporary directory name for <paramref name="key"/>, with a suffix marking its purpose.</summary>
    public string NewTemporary(CheckpointKey key, string suffix = "")
    {
        var random = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
        return OwnTemporaryFor(key, $".{random}{suffix}");
    }

    /// <summary>
    /// The one temporary directory a pull of <paramref name="key"/> writes into: always the same name, so a
    /// restarted agent finds the pull it was interrupted in.
    /// </summary>
    public string PullTemporary(CheckpointKey key) => OwnTemporaryFor(key, PullSuffix);

    /// <summary>
    /// A directory in <see cref="OwnTemporary"/> named for <paramref name="key"/> and ending in <paramref name="tail"/>.
    /// The key part only helps a person reading .tmp: it is shortened rather than exceed NAME_MAX, the tail is kept whole.
    /// </summary>
    private string OwnTemporaryFor(CheckpointKey key, string tail)
    {
        var head = $"{key.Namespace}.{key.DirectoryName}";
        var room = StoreNames.MaxDirectoryEntryLength - tail.Length;
        return Inside(OwnTemporary, (head.Length > room ? head[..room] : head) + tail);
    }

    /// <summary>Joins <paramref name="parts"/> under <paramref name="baseDirectory"/> and checks the result stays inside the root.</summary>
    /// <exception cref="StorePathEscapeException">The result is the root itself or outside it.</exception>
    public string Inside(string baseDirectory, params string[] parts)
    {
        var joined = Path.Combine([baseDirectory, .. parts]);
        if (joined.Contains('\0', StringComparison.Ordinal))
        {
            throw new StorePathEscapeException(joined.Replace("\0", "\\0", StringComparison.Ordinal), Root);
        }

        var full = Path.GetFullPath(joined);
        if (!IsStrictlyInside(full, Root) || !IsStrictlyInside(full, Path.TrimEndingDirectorySeparator(Path.GetFullPath(baseDirectory))))
        {
            throw new StorePathEscapeException(full, Root);
        }

        return full;
    }

    private static bool IsStrictlyInside(string path, string directory) =>
        path.Length > directory.Length + 1
        && path.StartsWith(directory, StringComparison.Ordinal)
        && path[directory.Length] == Path.DirectorySeparatorChar;
}
