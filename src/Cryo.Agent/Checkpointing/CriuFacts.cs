using Cryo.Criu;

namespace Cryo.Agent.Checkpointing;

/// <summary>
/// The CRIU version and kernel release recorded in every manifest, asked once: they do not change while
/// the agent runs, and asking CRIU costs a process start.
/// </summary>
public sealed class CriuFacts(ICriu criu)
{
    private Task<CriuVersion>? version;

    /// <summary>The running kernel's release, e.g. <c>6.18.0</c>.</summary>
    public static string KernelRelease { get; } = ReadKernelRelease();

    /// <summary>The CRIU version the agent runs.</summary>
    public Task<CriuVersion> GetVersionAsync(CancellationToken cancellationToken)
    {
        var current = version;
        if (current is { IsCompletedSuccessfully: true })
        {
            return current;
        }
        // Racing callers may each ask once; a failed or cancelled ask is not cached.
        var asked = criu.GetVersionAsync(cancellationToken);
        version = asked;
        return asked;
    }

    private static string ReadKernelRelease()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        }
        catch (IOException)
        {
            return Environment.OSVersion.VersionString;
        }
    }
}
