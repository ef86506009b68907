using Cryo.Agent.Attempts;
using Cryo.Agent.Checkpointing;
using Cryo.Agent.Restoring;
using Cryo.Agent.Restoring.Lazy;
using Cryo.Testing.Agent.Harness;
using Cryo.Criu;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cryo.Agent.Tests.Support;

/// <summary>
/// The real checkpoint and restore engines over a temporary store and run directory, driving the real
/// CRIU. Disposal removes the store (its own, not one it shares) and every restore's leftovers; tests kill the trees they restore.
/// </summary>
public sealed class TestEngines : IDisposable
{
    /// <summary>CRIU as hack/install-criu.sh installs it (override with CRYO_CRIU).</summary>
    public static readonly string CriuPath = Environment.GetEnvironmentVariable("CRYO_CRIU") ?? "/opt/cryo/criu/bin/criu";

    private static int sequence;

    /// <summary>
    /// The engines over a store of their own, or over <paramref name="storeRoot"/>, another instance's (a volume every
    /// node's agent mounts: the chart's <c>storage.mode: shared</c>), whose temporary entries are <paramref name="storeOwner"/>'s
    /// (an agent's node name; the host name by default).
    /// </summary>
    public TestEngines(Func<ICriu, ICriu>? wrapCriu = null, string? storeRoot = null, string? storeOwner = null)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("cryo-engines-").FullName;
        StoreRoot = storeRoot ?? Path.Combine(Directory, "store");
        Options = new EngineOptions
        {
            RunDirectory = Path.Combine(Directory, "run"),
            NodeName = "test-node",
            DefaultTimeout = TimeSpan.FromSeconds(60),
            // One parent per instance: tests run in parallel, and each sweeps its own restores' cgroups.
            RestoreCgroupParent = "cryo-test-restores/" + Path.GetFileName(Directory),
            LazyPagesCgroupParent = "cryo-test-lazy-pages/" + Path.GetFileName(Directory),
        };
        Store = new ImageStore(new ImageStoreOptions { RootDirectory = StoreRoot, OwnerId = storeOwner ?? string.Empty });
        var criu = new CriuCli(CriuPath, NullLogger<CriuCli>.Instance);
        Criu = wrapCriu?.Invoke(criu) ?? criu;
        var procFs = new ProcFs();
        var resolver = new ContainerResolver(procFs);
        Checkpoints = new CheckpointEngine(Store, resolver, Criu, new CriuFacts(Criu), procFs, Microsoft.Extensions.Options.Options.Create(Options), NullLogger<CheckpointEngine>.Instance);
        LazyTransfers = new LazyTransfers(criu.ExecutablePath, async ct => await Criu.DetectCapabilitiesAsync(ct), procFs, Microsoft.Extensions.Options.Options.Create(Options), NullLogger<LazyTransfers>.Instance);
        Restores = new RestoreEngine(Store, resolver, Criu, procFs, LazyTransfers, Microsoft.Extensions.Options.Options.Create(Options), NullLogger<RestoreEngine>.Instance);
    }

    public string Directory { get; }

    public string StoreRoot { get; }

    public EngineOptions Options { get; }

    public ImageStore Store { get; }

    public ICriu Criu { get; }

    public CheckpointEngine Checkpoints { get; }

    public RestoreEngine Restores { get; }

    /// <summary>The lazy restores' daemons (not started as a hosted service: call its StartAsync to watch them).</summary>
    public LazyTransfers LazyTransfers { get; }

    /// <summary>
    /// The cgroups of lazy-pages daemons (each ends with its copy, which the tests killed; the watcher removes its
    /// cgroups only while it runs): removed once empty.
    /// </summary>
    private void RemoveLazyPagesCgroups()
    {
        foreach (var hierarchy in System.IO.Directory.EnumerateDirectories(HarnessCgroups.Root))
        {
            var parent = Path.Combine(hierarchy, Options.LazyPagesCgroupParent);
            if (new DirectoryInfo(hierarchy).LinkTarget is not null || !System.IO.Directory.Exists(parent))
            {
                continue;
            }
            for (var attempt = 0; attempt < 50; attempt++)
            {
                try
                {
                    foreach (var cgroup in System.IO.Directory.EnumerateDirectories(parent))
                    {
                        System.IO.Directory.Delete(cgroup);
                    }
                    System.IO.Directory.Delete(parent);
                    break;
                }
                catch (IOException)
                {
                    Thread.Sleep(100);
                }
            }
        }
    }

    /// <summary>A unique, valid operation ID.</summary>
    public static string NewOperationId() => $"op-{Environment.ProcessId}-{Interlocked.Increment(ref sequence)}-{Guid.NewGuid():N}"[..40];

    /// <summary>
    /// A checkpoint command for a PID with the engine's defaults (leave running, writable layer captured:
    /// a container-shaped workload needs its default overlay root, <see cref="Harness.ContainerSpec.OverlayRoot"/>, or the opt-out).
    /// </summary>
    public static CheckpointCommand CheckpointOf(int pid, string name, bool leaveRunning = true, bool tcpEstablished = false, bool fileLocks = false,
        TimeSpan? timeout = null, bool skipRootFilesystem = false) =>
        new(NewOperationId(), "default", name, ProcessTreeRef.ForPid(pid), WorkloadMetadata.None, leaveRunning, tcpEstablished, fileLocks, null,
            timeout ?? TimeSpan.FromSeconds(60), skipRootFilesystem);

    /// <summary>A restore command into a new PID namespace, or into the container whose init is <paramref name="targetPid"/>.</summary>
    public static RestoreCommand RestoreOf(string name, int? targetPid = null, TimeSpan? timeout = null) =>
        new(NewOperationId(), "default", name, targetPid is { } pid ? ProcessTreeRef.ForPid(pid) : null, timeout ?? TimeSpan.FromSeconds(60));

    /// <summary>The standard output file of a standalone restore (its run directory holds one per attempt).</summary>
    public string OutputOf(RestoreCommand command) =>
        System.IO.Directory.EnumerateDirectories(Path.Combine(Options.RunDirectory, "restores"), command.OperationId + ".*")
            .Select(d => Path.Combine(d, "stdout.log")).Single(File.Exists);

    public void Dispose()
    {
        RemoveLazyPagesCgroups();
        foreach (var (_, hierarchy) in RestoreCgroups.Hierarchies(Options))
        {
            // Empty once the tests killed their copies (RestoredCopies); one a test left in use stays (IOException).
            var parent = Path.Combine(hierarchy, Options.RestoreCgroupParent);
            try
            {
                if (System.IO.Directory.Exists(parent))
                {
                    System.IO.Directory.Delete(parent);
                }
            }
            catch (IOException)
            {
            }
        }
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A restored copy still writing its output keeps nothing open we own; retry once.
            Thread.Sleep(200);
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
