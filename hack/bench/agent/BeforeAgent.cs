using System.Diagnostics;
using System.Reflection;
using Cryo.Testing.Agent;

namespace Cryo.Bench.Agent;

/// <summary>
/// The agent of another checkout (the code before a change), built by its own AgentBench and driven through that
/// program's own BenchEngines, Commands and BenchSteps: the same engines and the same calls its own benchmark makes.
/// Its types are not this build's, so it is reached by reflection and <c>dynamic</c>.
/// </summary>
public sealed class BeforeAgent
{
    private readonly Assembly bench;
    private readonly Assembly agent;
    private readonly dynamic engines;
    private object? previous;

    public BeforeAgent(string agentBenchDll, string directory, string criuPath)
    {
        bench = new BeforeLoadContext(agentBenchDll).LoadBench();
        engines = Activator.CreateInstance(BenchType("BenchEngines"), directory, criuPath)!;
        agent = ((object)engines.Checkpoints).GetType().Assembly;
    }

    /// <summary>Checkpoints <paramref name="pid"/>'s tree as <paramref name="name"/>, then deletes the checkpoint before it (as the bench does for its own).</summary>
    public async Task<AgentRun> CheckpointAsync(int pid, string name, CancellationToken cancellationToken)
    {
        var stage = agent.GetTypes().Single(t => t.Name == "CheckpointStage" && t.IsEnum);
        dynamic clock = Activator.CreateInstance(BenchType("StageClock`1").MakeGenericType(stage))!;
        dynamic command = Static("Commands", "CheckpointOf", pid, name, BenchSteps.Deadline);
        var started = Stopwatch.GetTimestamp();
        await engines.Checkpoints.CheckpointAsync(command, clock, cancellationToken);
        var ended = Stopwatch.GetTimestamp();
        long criuStarted = engines.Criu.LastStarted;
        long criuEnded = engines.Criu.LastEnded;
        long committing = (long?)clock.When((dynamic)Enum.Parse(stage, "Committing")) ?? ended;
        if (previous is not null)
        {
            engines.Store.Delete((dynamic)previous);
        }
        var key = agent.GetTypes().Single(t => t.Name == "CheckpointKey");
        previous = Activator.CreateInstance(key, (string)command.Namespace, (string)command.Name, (string)command.OperationId);
        return new AgentRun(BenchSteps.Seconds(started, ended), BenchSteps.Ms(criuStarted, criuEnded),
            BenchSteps.Ms(criuEnded, committing), BenchSteps.Ms(committing, ended), 0);
    }

    /// <summary>Restores <paramref name="name"/> standalone, checks the copy answers with <paramref name="checksum"/>, ends it and sweeps its cgroups.</summary>
    public async Task<AgentRun> RestoreAsync(string name, string checksum, CancellationToken cancellationToken)
    {
        dynamic command = Static("Commands", "RestoreOf", name, BenchSteps.Deadline);
        var started = Stopwatch.GetTimestamp();
        var outcome = await engines.Restores.RestoreAsync(command, cancellationToken);
        var ended = Stopwatch.GetTimestamp();
        long criuStarted = engines.Criu.LastStarted;
        long criuEnded = engines.Criu.LastEnded;
        int hostPid = outcome.HostPid;
        try
        {
            var output = (string)Static("BenchSteps", "RestoreOutput", (object)engines.Options, (string)command.OperationId);
            await Memhog.VerifyCopyAsync(hostPid, output, checksum, "before", cancellationToken);
        }
        finally
        {
            await ProcessReaper.KillTreeAsync(hostPid, CancellationToken.None);
            await (Task)Static("BenchSteps", "SweepRestoreCgroupsAsync", (object)engines.Options);
        }
        return new AgentRun(BenchSteps.Seconds(started, ended), BenchSteps.Ms(criuStarted, criuEnded), 0, 0, ((TimeSpan)outcome.Verify).TotalMilliseconds);
    }

    private Type BenchType(string name) => bench.GetType($"Cryo.Bench.Agent.{name}", throwOnError: true)!;

    private object Static(string type, string method, params object[] arguments) =>
        BenchType(type).GetMethod(method, BindingFlags.Public | BindingFlags.Static)!.Invoke(null, arguments)!;
}
