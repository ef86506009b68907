using System.Globalization;

namespace Cryo.Criu.Tests.TestSupport;

/// <summary>
/// A tiny workload CRIU can dump: a shell counting into a file, PID 1 of its own PID namespace and leader of its own
/// session (so no --shell-job), sharing the host's mount and network namespaces (so no --root).
/// </summary>
internal sealed class NamespacedCounter : IDisposable
{
    // Appending keeps the file exempt from CRIU's size check when the dump catches it open.
    private const string CounterScript = "i=0; while :; do i=$((i+1)); echo $i >> \"$0\"; sleep 0.1; done";

    private readonly NamespacedProcess _process;

    private NamespacedCounter(NamespacedProcess process, string counterFile)
    {
        _process = process;
        CounterFile = counterFile;
    }

    /// <summary>Host PID of the namespace's PID 1, the root of the tree to dump.</summary>
    public int RootPid => _process.RootPid;

    /// <summary>One number per line, counting from 1.</summary>
    public string CounterFile { get; }

    /// <summary>Starts the counter; with <paramref name="lockFile"/>, its PID 1 is <c>flock</c> holding that file locked.</summary>
    public static async Task<NamespacedCounter> StartAsync(string counterFile, string? lockFile = null)
    {
        string[] counter = ["sh", "-c", CounterScript, counterFile];
        var process = await NamespacedProcess.StartAsync(lockFile is null ? counter : ["flock", lockFile, .. counter],
            () => File.Exists(counterFile) && File.ReadAllText(counterFile).Length > 0, TimeSpan.FromSeconds(30), "the namespaced counter");
        return new NamespacedCounter(process, counterFile);
    }

    /// <summary>The numbers written so far.</summary>
    public static IReadOnlyList<int> ReadCounts(string counterFile) =>
        File.ReadAllLines(counterFile).Where(l => l.Length > 0)
            .Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToList();

    public void Dispose() => _process.Dispose();
}
