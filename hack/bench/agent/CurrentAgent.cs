using System.Diagnostics;
using Cryo.Agent.Operations;
using Cryo.Agent.Store;

namespace Cryo.Bench.Agent;

/// <summary>This checkout's agent, measured as <see cref="BeforeAgent"/> measures another's: the same calls, the same figures.</summary>
public sealed class CurrentAgent(BenchEngines engines)
{
    private CheckpointKey? previous;

    public BenchEngines Engines => engines;

    /// <summary>Checkpoints <paramref name="pid"/>'s tree as <paramref name="name"/>, then deletes the checkpoint before it.</summary>
    public async Task<AgentRun> CheckpointAsync(int pid, string name, CancellationToken cancellationToken)
    {
        var clock = new StageClock<CheckpointStage>();
        var command = Commands.CheckpointOf(pid, name, BenchSteps.Deadline);
        var started = Stopwatch.GetTimestamp();
        await engines.Checkpoints.CheckpointAsync(command, clock, cancellationToken);
        var ended = Stopwatch.GetTimestamp();
        var committing = clock.When(CheckpointStage.Committing) ?? ended;
        if (previous is not null)
        {
            engines.Store.Delete(previous);
        }
        previous = new CheckpointKey(command.Namespace, command.Name, command.OperationId);
        return new AgentRun(BenchSteps.Seconds(started, ended), BenchSteps.Ms(engines.Criu.LastStarted, engines.Criu.LastEnded),
            BenchSteps.Ms(engines.Criu.LastEnded, committing), BenchSteps.Ms(committing, ended), 0);
    }

    /// <summary>Restores <paramref name="name"/> standalone, checks the copy answers with <paramref name="checksum"/>, ends it.</summary>
    public async Task<AgentRun> RestoreAsync(string name, string checksum, CancellationToken cancellationToken)
    {
        var (seconds, outcome) = await BenchSteps.RestoreVerifiedAsync(engines, name, checksum, cancellationToken);
        return new AgentRun(seconds, BenchSteps.Ms(engines.Criu.LastStarted, engines.Criu.LastEnded), 0, 0, outcome.Verify.TotalMilliseconds);
    }
}
