using System.Globalization;
using Cryo.Agent.Attempts;
using Cryo.Agent.Checkpointing;
using Cryo.Agent.Containers;
using Cryo.Agent.Operations;
using Cryo.Agent.Restoring;
using Cryo.Agent.Restoring.Lazy;
using Cryo.Agent.Store;
using Cryo.Criu;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cryo.Bench.Agent;

/// <summary>
/// The real engines over a store and run directory under the bench's own directory, built as the agent
/// and its tests build them, with CRIU behind <see cref="TimingCriu"/>. Restored copies get cgroups under
/// their own parent, so a concurrently running test suite's sweep never kills them (nor ours theirs).
/// </summary>
public sealed class BenchEngines
{
    /// <summary>
    /// What this run's cgroup parents end with: "-" and <c>CRYO_BENCH_RUN</c> (bench-agent.sh sets its PID), so that another
    /// benchmark's exit sweep on the same machine (it sweeps its own run's parents) never kills this run's workloads.
    /// </summary>
    public static readonly string RunSuffix = Environment.GetEnvironmentVariable("CRYO_BENCH_RUN") is { Length: > 0 } run ? "-" + run : "";

    public static readonly string CgroupParent = "cryo-bench-restores" + RunSuffix;

    public BenchEngines(string directory, string criuPath)
    {
        Options = new EngineOptions
        {
            RunDirectory = Path.Combine(directory, "run"),
            NodeName = "bench-node",
            DefaultTimeout = TimeSpan.FromMinutes(10),
            RestoreCgroupParent = CgroupParent,
            LazyPagesCgroupParent = "cryo-bench-lazy-pages" + RunSuffix,
        };
        Store = new ImageStore(new ImageStoreOptions { RootDirectory = Path.Combine(directory, "store") });
        Criu = new TimingCriu(new CriuCli(criuPath, NullLogger<CriuCli>.Instance));
        var procFs = new ProcFs();
        var resolver = new ContainerResolver(procFs);
        Checkpoints = new CheckpointEngine(Store, resolver, Criu, new CriuFacts(Criu), procFs, Microsoft.Extensions.Options.Options.Create(Options), new NoteLogger<CheckpointEngine>());
        LazyTransfers = new LazyTransfers(criuPath, async ct => await Criu.DetectCapabilitiesAsync(ct), procFs, Microsoft.Extensions.Options.Options.Create(Options), NullLogger<LazyTransfers>.Instance);
        Restores = new RestoreEngine(Store, resolver, Criu, procFs, LazyTransfers, Microsoft.Extensions.Options.Options.Create(Options), NullLogger<RestoreEngine>.Instance);
        Timed = new TimingEngines(Checkpoints, Restores);
    }

    public EngineOptions Options { get; }

    public ImageStore Store { get; }

    public TimingCriu Criu { get; }

    public CheckpointEngine Checkpoints { get; }

    public RestoreEngine Restores { get; }

    /// <summary>The lazy restores' daemons (not started as a hosted service: call its StartAsync to watch them).</summary>
    public LazyTransfers LazyTransfers { get; }

    /// <summary>Both engines behind one clock (what the in-process agent is given, and what the bench calls directly).</summary>
    public TimingEngines Timed { get; }

    /// <summary>
    /// Settings for an in-process agent over these engines (see <see cref="Register"/>): the same CRIU and store, the
    /// bench's deadline for an operation, and the node the agent stands for.
    /// </summary>
    public void AddAgentSettings(Dictionary<string, string?> settings, string criuPath, string nodeName)
    {
        settings["Agent:CriuPath"] = criuPath;
        settings["Agent:NodeName"] = nodeName;
        settings["Agent:DefaultTimeoutSeconds"] = ((int)BenchSteps.Deadline.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        settings["Store:RootDirectory"] = Store.RootDirectory;
    }

    /// <summary>Puts these engines, store and CRIU in an in-process agent's services, in place of the ones it would build.</summary>
    public void Register(IServiceCollection services)
    {
        services.AddSingleton<ICheckpointEngine>(Timed);
        services.AddSingleton<IRestoreEngine>(Timed);
        services.AddSingleton(Store);
        services.AddSingleton<ICriu>(Criu);
    }
}
