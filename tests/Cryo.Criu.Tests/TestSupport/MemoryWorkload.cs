using System.Diagnostics;
using System.Globalization;

namespace Cryo.Criu.Tests.TestSupport;

/// <summary>
/// The memhog workload (Images/Workload/memhog.c) as PID 1 of its own PID namespace and leader of its own session,
/// like <see cref="NamespacedCounter"/>: random memory that changes a known fraction of its pages on request and
/// reports per-page checksums, so a restore can be compared with the memory at dump time.
/// </summary>
internal sealed class MemoryWorkload : IDisposable
{
    private readonly NamespacedProcess _process;

    private MemoryWorkload(NamespacedProcess process, string controlDirectory, ulong[] layout)
    {
        _process = process;
        ControlDirectory = controlDirectory;
        PrivateAddress = layout[0];
        PrivateLength = layout[1];
        SharedAddress = layout[2];
        SharedLength = layout[3];
    }

    /// <summary>Host PID of the workload (PID 1 of its namespace), the root of the tree to dump.</summary>
    public int RootPid => _process.RootPid;

    /// <summary>Where commands and answers are exchanged; restored copies use it too.</summary>
    public string ControlDirectory { get; }

    /// <summary>Start of the anonymous private region.</summary>
    public ulong PrivateAddress { get; }

    /// <summary>Bytes of the private region.</summary>
    public ulong PrivateLength { get; }

    /// <summary>Start of the anonymous shared region (its pages go to a pagemap-shmem image, by offset).</summary>
    public ulong SharedAddress { get; }

    /// <summary>Bytes of the shared region.</summary>
    public ulong SharedLength { get; }

    /// <summary>Starts memhog and waits until its memory is filled.</summary>
    public static async Task<MemoryWorkload> StartAsync(string binary, string controlDirectory, int privateMiB, int sharedKiB, int percent)
    {
        Directory.CreateDirectory(controlDirectory);
        var ready = Path.Combine(controlDirectory, "done-ready");
        var process = await NamespacedProcess.StartAsync(
            [binary, controlDirectory, privateMiB.ToString(CultureInfo.InvariantCulture), sharedKiB.ToString(CultureInfo.InvariantCulture), percent.ToString(CultureInfo.InvariantCulture)],
            () => File.Exists(ready), TimeSpan.FromSeconds(60), "memhog");
        var layout = File.ReadAllText(ready).Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(v => ulong.Parse(v, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
        return new MemoryWorkload(process, controlDirectory, layout);
    }

    /// <summary>Has the workload with host PID <paramref name="pid"/> (this one or a restored copy) rewrite its next share of pages.</summary>
    /// <returns>Pages rewritten in the private and in the shared region.</returns>
    public async Task<(int Private, int Shared)> RewriteAsync(int pid)
    {
        var answer = (await AskAsync(pid, "rewrite")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (int.Parse(answer[0], CultureInfo.InvariantCulture), int.Parse(answer[1], CultureInfo.InvariantCulture));
    }

    /// <summary>Per-page checksums of the memory of the workload with host PID <paramref name="pid"/>, private region then shared.</summary>
    public async Task<string[]> ChecksumsAsync(int pid) =>
        (await AskAsync(pid, "sums")).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Page numbers (private region, from 0) the rewrite of <paramref name="generation"/> changes, as memhog picks them.</summary>
    public static bool IsRewritten(ulong pageNumber, int generation, int percent) =>
        pageNumber % (ulong)(100 / percent) == (ulong)(generation % (100 / percent));

    public void Dispose() => _process.Dispose();

    private async Task<string> AskAsync(int pid, string verb)
    {
        var token = Guid.NewGuid().ToString("N");
        var command = Path.Combine(ControlDirectory, "command");
        await File.WriteAllTextAsync(command + ".tmp", $"{verb} {token}\n");
        File.Move(command + ".tmp", command, overwrite: true);
        using (var kill = Process.Start("kill", ["-USR1", pid.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
            if (kill.ExitCode != 0)
            {
                throw new InvalidOperationException($"cannot signal memhog {pid}");
            }
        }
        var done = Path.Combine(ControlDirectory, "done-" + token);
        if (!await ProcessTable.WaitUntilAsync(() => File.Exists(done), TimeSpan.FromSeconds(60)))
        {
            throw new TimeoutException($"memhog {pid} did not answer '{verb}'");
        }
        return await File.ReadAllTextAsync(done);
    }
}
