namespace Cryo.Agent.Tests.Grpc;

public sealed class ConcurrencyLimitTests
{
    [Fact]
    public async Task Checkpoints_Should_RunAtMostTheLimitAtOnceInArrivalOrder_When_MoreArrive()
    {
        await using var agent = await InProcessAgent.StartAsync(s => s["Agent:MaxParallelOperations"] = "2");
        agent.Checkpoints.Hold = true;
        var client = agent.UnixClient();
        var calls = new List<Task<List<Contracts.Agent.V1.CheckpointEvent>>>();

        // Arrive one after another, each queued before the next is sent, so arrival order is known.
        for (var i = 0; i < 5; i++)
        {
            calls.Add(client.CheckpointAsync(AgentCalls.Request($"web-{i}", $"uid-{i}")));
            var expected = Math.Min(i + 1, 2);
            await Eventually.TrueAsync(() => agent.Checkpoints.Running == expected, $"{expected} checkpoints run", AgentCalls.Deadline);
            var registry = (Cryo.Agent.Grpc.OperationRegistry)agent.Services.GetService(typeof(Cryo.Agent.Grpc.OperationRegistry))!;
            await Eventually.TrueAsync(() => registry.InFlight == i + 1, $"{i + 1} operations are in flight", AgentCalls.Deadline);
        }

        await Task.Delay(200); // a broken limit would let a third one start meanwhile
        var runningWhileFull = agent.Checkpoints.Running;
        while (!calls.All(c => c.IsCompleted))
        {
            agent.Checkpoints.Release();
            await Task.Delay(20);
        }

        await Task.WhenAll(calls);

        Assert.Equal(2, runningWhileFull);
        Assert.Equal(2, agent.Checkpoints.MaxRunning);
        Assert.Equal(5, agent.Checkpoints.Calls);
        // Slots are handed on in arrival order: the first two, then the next two together, the last one last.
        Assert.Equal(["web-0", "web-1"], agent.Checkpoints.Started.Take(2).Order());
        Assert.Equal(["web-2", "web-3"], agent.Checkpoints.Started.Skip(2).Take(2).Order());
        Assert.Equal("web-4", agent.Checkpoints.Started[4]);
    }
}
