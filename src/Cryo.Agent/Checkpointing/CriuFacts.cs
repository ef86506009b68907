using Cryo.Criu;
using Cryo.Criu.Running;

namespace Cryo.Agent.Checkpointing;

/// <summary>
/// The CRIU version and kernel release recorded in every manifest, asked once: they do not change while
/// the agent runs, and asking CRIU costs a process start.
/// </summary>
public sealed class CriuFacts(ICriu criu, ILogger<CriuFacts>? logger = null)
{
    private Task<CriuVersion>? version;
    private Task<byte[]?>? cpuinfo;
    private Task<bool>? memoryTracking;

    /// <summary>The running kernel's release, e.g. <c>6.18.0</c>.</summary>
    public static string KernelRelease { get; } = ReadKernelRelease();

    /// <summary>The CRIU version the agent runs.</summary>
    public Task<CriuVersion> GetVersionAsync(CancellationToken cancellationToken) =>
        AskOnce(ref version, criu.GetVersionAsync, cancellationToken);

    /// <summary>
    /// Whether CRIU can track memory changes here (<c>criu check --feature mem_dirty_track</c>: the kernel's soft-dirty
    /// bits), which its own incremental dumps need. Asked once.
    /// </summary>
    public Task<bool> HasMemoryTrackingAsync(CancellationToken cancellationToken) =>
        AskOnce(ref memoryTracking, AskMemoryTrackingAsync, cancellationToken);

    /// <summary>
    /// This node's CPU as CRIU describes it (the bytes of <c>criu cpuinfo dump</c>'s image), recorded in every manifest so
    /// that a preflight on another node can check its CPU against it. Asked once; <see langword="null"/> when CRIU could
    /// not say (the checkpoint is still taken: a preflight then says the CPU was not checked).
    /// </summary>
    public Task<byte[]?> GetCpuinfoAsync(CancellationToken cancellationToken) =>
        AskOnce(ref cpuinfo, AskCpuinfoAsync, cancellationToken);

    /// <summary>
    /// The answer kept in <paramref name="answer"/> once an ask has succeeded, else a new ask, kept in its place.
    /// Racing callers may each ask once; a failed or cancelled ask is not kept, so the next caller asks again.
    /// </summary>
    private static Task<T> AskOnce<T>(ref Task<T>? answer, Func<CancellationToken, Task<T>> ask, CancellationToken cancellationToken)
    {
        var current = answer;
        if (current is { IsCompletedSuccessfully: true })
        {
            return current;
        }
        var asked = ask(cancellationToken);
        answer = asked;
        return asked;
    }

    private async Task<byte[]?> AskCpuinfoAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await criu.DumpCpuinfoAsync(cancellationToken);
        }
        catch (CriuException e)
        {
            logger?.LogWarning(e, "criu cpuinfo dump failed: checkpoints record no CPU description, and a preflight elsewhere cannot check its CPU against this node's");
            return null;
        }
    }

    private async Task<bool> AskMemoryTrackingAsync(CancellationToken cancellationToken) =>
        (await criu.DetectCapabilitiesAsync(cancellationToken)).MemoryDirtyTracking;

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
