using Cryo.Contracts.Agent.V1;
using Cryo.Operator.Configuration;
using Cryo.Operator.Transfers;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cryo.Operator.Tests.Transfers;

/// <summary>The operator's map of pulls: what it keeps, for how long, and what ends with leadership.</summary>
public sealed class CheckpointPullsTests
{
    private static readonly AgentEndpoint Target = new("node-2", "cryo-agent-b", new Uri("https://10.0.0.2:9443"));
    private static readonly AgentEndpoint Source = new("node-1", "cryo-agent-a", new Uri("https://10.0.0.1:9443"));
    private readonly ScriptedAgentClient agent = new();
    private readonly ManualClock clock = new(new DateTimeOffset(2026, 12, 7, 4, 0, 0, TimeSpan.Zero));
    private readonly CheckpointPulls pulls;

    public CheckpointPullsTests()
    {
        pulls = new CheckpointPulls(agent, Microsoft.Extensions.Options.Options.Create(new OperatorOptions { TransferResultKeptFor = TimeSpan.FromMinutes(10) }),
            new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance), clock);
    }

    [Fact]
    public async Task Find_Should_DropAFinishedPull_When_NoPassLookedAtItForTheKeepTime()
    {
        var key = new PullKey("node-2", "default", "web-1", "uid-1");
        var pull = pulls.Start(key, Target, Source);
        await pull.Completion;

        clock.Advance(TimeSpan.FromMinutes(9));
        var lookedAt = pulls.Find(key);
        clock.Advance(TimeSpan.FromMinutes(9));
        var stillKept = pulls.Find(key);
        clock.Advance(TimeSpan.FromMinutes(10));
        var dropped = pulls.Find(key);

        Assert.Same(pull, lookedAt);
        Assert.Same(pull, stillKept);
        Assert.Null(dropped);
        Assert.Equal(0, pulls.Count);
    }

    [Fact]
    public void Find_Should_KeepARunningPull_However_LongNoPassLooked()
    {
        agent.HoldPulls();
        var key = new PullKey("node-2", "default", "web-1", "uid-1");
        var pull = pulls.Start(key, Target, Source);

        clock.Advance(TimeSpan.FromHours(2));

        Assert.Same(pull, pulls.Find(key));
        agent.PullOutcome.SetResult(new PullCheckpointResult());
    }

    [Fact]
    public async Task StopAll_Should_EndEveryPullsCall_And_ForgetThem_When_LeadershipIsLost()
    {
        agent.HoldPulls();
        var first = pulls.Start(new PullKey("node-2", "default", "web-1", "uid-1"), Target, Source);
        var second = pulls.Start(new PullKey("node-3", "default", "web-1", "uid-1"), Target with { NodeName = "node-3" }, Source);
        await Cryo.Testing.Eventually.TrueAsync(() => agent.PullCalls.Count == 2, "both pulls called the agent");

        pulls.StopAll();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.Completion);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second.Completion);
        Assert.Equal(0, pulls.Count);
        Assert.Null(pulls.Find(first.Key));
        Assert.False(agent.PullOutcome.Task.IsCompleted);
    }
}
