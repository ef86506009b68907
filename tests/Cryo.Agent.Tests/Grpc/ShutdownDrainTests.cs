using Cryo.Agent.Grpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Cryo.Agent.Tests.Grpc;

/// <summary>
/// A stopping agent (a DaemonSet rollout, a drain) lets its running operations finish within the shutdown
/// timeout, refuses the ones still waiting for a slot, and stops the rest only when that timeout runs out.
/// </summary>
public sealed class ShutdownDrainTests
{
    [Fact]
    public async Task Stop_Should_LetARunningCheckpointFinish_When_ItEndsWithinTheShutdownTimeout()
    {
        await using var agent = await InProcessAgent.StartAsync();
        agent.Checkpoints.Hold = true;
        var call = agent.UnixClient().CheckpointAsync(AgentCalls.Request("web-1", "uid-1"));
        await Eventually.TrueAsync(() => agent.Checkpoints.Running == 1, "the checkpoint runs", AgentCalls.Deadline);

        using var shutdownTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stopping = agent.StopAsync(shutdownTimeout.Token);
        await Task.Delay(300);
        var runningWhileStopping = agent.Checkpoints.Running;
        var stoppedEarly = stopping.IsCompleted;
        agent.Checkpoints.Release();
        var events = await call;
        await stopping;

        Assert.Equal(1, runningWhileStopping);
        Assert.False(stoppedEarly, "the agent stopped before its running checkpoint ended");
        Assert.NotNull(events[^1].Result);
    }

    [Fact]
    public async Task Stop_Should_RefuseAQueuedCheckpointAtOnce_When_ItStillWaitsForASlot()
    {
        await using var agent = await InProcessAgent.StartAsync(s => s["Agent:MaxParallelOperations"] = "1");
        agent.Checkpoints.Hold = true;
        var client = agent.UnixClient();
        var running = client.CheckpointAsync(AgentCalls.Request("web-1", "uid-1"));
        await Eventually.TrueAsync(() => agent.Checkpoints.Running == 1, "the first checkpoint runs", AgentCalls.Deadline);
        var queued = client.CheckpointAsync(AgentCalls.Request("web-2", "uid-2"));
        var registry = agent.Services.GetRequiredService<OperationRegistry>();
        await Eventually.TrueAsync(() => registry.InFlight == 2, "the second checkpoint waits for a slot", AgentCalls.Deadline);

        using var shutdownTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stopping = agent.StopAsync(shutdownTimeout.Token);
        var refused = await Assert.ThrowsAsync<RpcException>(() => queued);
        agent.Checkpoints.Release();
        var events = await running;
        await stopping;

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.NotNull(events[^1].Result);
        Assert.Equal(["web-1"], agent.Checkpoints.Started);
    }

    [Fact]
    public async Task Stop_Should_StopARunningCheckpoint_When_TheShutdownTimeoutRunsOut()
    {
        await using var agent = await InProcessAgent.StartAsync();
        agent.Checkpoints.Hold = true;
        var call = agent.UnixClient().CheckpointAsync(AgentCalls.Request("web-1", "uid-1"));
        await Eventually.TrueAsync(() => agent.Checkpoints.Running == 1, "the checkpoint runs", AgentCalls.Deadline);

        using var shutdownTimeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await agent.StopAsync(shutdownTimeout.Token);

        // The engine saw its token cancelled (the held checkpoint gave up) long before anything released it.
        Assert.Equal(0, agent.Checkpoints.Running);
        await Assert.ThrowsAnyAsync<RpcException>(() => call);
    }
}
