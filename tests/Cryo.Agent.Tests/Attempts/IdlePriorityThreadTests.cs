using Cryo.Agent.Attempts;
using Xunit;

namespace Cryo.Agent.Tests.Attempts;

public sealed class IdlePriorityThreadTests
{
    [Fact]
    public async Task Run_Should_RunTheWorkAtSchedIdleOnAThreadOfItsOwn_When_Started()
    {
        var caller = Environment.CurrentManagedThreadId;

        var (idle, thread, comm) = await IdlePriorityThread.RunAsync("cryo-test-idle",
            () => (IdlePriorityThread.IsIdle(), Environment.CurrentManagedThreadId, File.ReadAllText("/proc/thread-self/comm").Trim()));

        Assert.True(idle);
        Assert.NotEqual(caller, thread);
        Assert.Equal("cryo-test-idle", comm);
        // The policy is the worker thread's alone: the agent's own threads keep theirs.
        Assert.False(IdlePriorityThread.IsIdle());
    }

    [Fact]
    public async Task Run_Should_FailTheTaskWithTheWorksException_When_TheWorkThrows()
    {
        var failure = new IOException("disk gone");

        var thrown = await Assert.ThrowsAsync<IOException>(() => IdlePriorityThread.RunAsync<int>("cryo-test-idle", () => throw failure));

        Assert.Same(failure, thrown);
    }

    [Fact]
    public async Task Run_Should_CancelTheTask_When_TheWorkIsCancelled()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var task = IdlePriorityThread.RunAsync<int>("cryo-test-idle", () =>
        {
            cancelled.Token.ThrowIfCancellationRequested();
            return 1;
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        Assert.True(task.IsCanceled);
    }
}
