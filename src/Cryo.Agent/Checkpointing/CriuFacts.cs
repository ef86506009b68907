using Cryo.Criu;

namespace Cryo.Agent.Checkpointing;

/// <summary>
/// The CRIU version and kernel release recorded in every manifest, asked once: they do not change while
/// the agent runs, and asking CRIU costs a process start.
/// </summary>
public sealed class CriuFacts(ICriu criu)
{
    private Task<CriuVersion>? version;
    private Task<bool>? memoryTracking;

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

    /// <summary>
    /// Whether CRIU can track memory changes here (<c>criu check --feature mem_dirty_track</c>: the kernel's soft-dirty
    /// bits), which its own incremental dumps need. Asked once.
    /// </summary>
    public Task<bool> HasMemoryTrackingAsync(CancellationToken cancellationToken)
    {
        var current = memoryTracking;
        if (current is { IsCompletedSuccessfully: true })
        {
            return current;
        }
        var asked = AskMemoryTrackingAsync(cancellationToken);
        memoryTracking = asked;
        return asked;
    }

    private async Task<bool> AskMemoryTrackingAsync(CancellationToken cancellationToken) =>
        (await criu.DetectCapabilitiesAsync(cancellationToken).ConfigureAwait(false)).MemoryDirtyTracking;

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
