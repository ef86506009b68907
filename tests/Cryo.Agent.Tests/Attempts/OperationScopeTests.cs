using Cryo.Agent.Attempts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cryo.Agent.Tests.Attempts;

public sealed class OperationScopeTests
{
    private readonly List<string> done = [];

    [Fact]
    public async Task Run_Should_UndoEveryStepInReverseAndRethrowTheFailure_When_TheAttemptFails()
    {
        var failure = new IOException("disk gone");

        var thrown = await Assert.ThrowsAsync<IOException>(() => OperationScope.RunAsync<int>("checkpoint default/web", NullLogger.Instance, async scope =>
        {
            scope.OnFailure("remove the directory", _ => done.Add("remove"));
            scope.OnFailure("thaw", _ => done.Add("thaw"));
            scope.OnFailure("unlock", async _ =>
            {
                await Task.Yield();
                done.Add("unlock");
            });
            await Task.Yield();
            throw failure;
        }));

        Assert.Same(failure, thrown);
        Assert.Equal(["unlock", "thaw", "remove"], done);
        Assert.Contains(nameof(Run_Should_UndoEveryStepInReverseAndRethrowTheFailure_When_TheAttemptFails), thrown.StackTrace, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Should_DropTheUndoStepsAndRunOnlyTheDeferredCleanups_When_TheAttemptCompletes()
    {
        var result = await OperationScope.RunAsync("restore default/web", NullLogger.Instance, scope =>
        {
            scope.OnFailure("end the copy", _ => done.Add("kill"));
            scope.Defer("remove the gate", () => done.Add("gate"));
            scope.OnFailure("remove the cgroups", _ => done.Add("cgroups"));
            return Task.FromResult(42);
        });

        Assert.Equal(42, result);
        Assert.Equal(["gate"], done);
    }

    [Fact]
    public async Task Run_Should_RunDeferredCleanupsInTheirPlaceAmongTheUndoSteps_When_TheAttemptFails()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => OperationScope.RunAsync<int>("checkpoint default/web", NullLogger.Instance, scope =>
        {
            scope.OnFailure("remove the checkpoint", _ => done.Add("checkpoint"));
            scope.Defer("remove the gate", () => done.Add("gate"));
            scope.OnFailure("thaw", _ => done.Add("thaw"));
            throw new InvalidOperationException("CRIU failed");
        }));

        Assert.Equal(["thaw", "gate", "checkpoint"], done);
    }

    [Fact]
    public async Task Run_Should_LogAFailingStepAndStillUndoTheRest_When_AStepFailsWhileTheFailureIsReported()
    {
        var logger = new RecordingLogger<OperationScopeTests>();
        var failure = new TimeoutException("CRIU ran past its deadline");

        var thrown = await Assert.ThrowsAsync<TimeoutException>(() => OperationScope.RunAsync<int>("restore default/web", logger, scope =>
        {
            scope.OnFailure("remove the directory", _ => done.Add("remove"));
            scope.OnFailure("remove the cgroups", _ => throw new IOException("cgroup busy"));
            scope.OnFailure("end the copy", _ => done.Add("kill"));
            throw failure;
        }));

        Assert.Same(failure, thrown);
        Assert.Equal(["kill", "remove"], done);
        var (level, message) = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Error, level);
        Assert.Equal("restore default/web failed (CRIU ran past its deadline) and could not remove the cgroups", message);
    }

    [Fact]
    public async Task Run_Should_LogADeferredCleanupThatFailsAndKeepTheResult_When_TheAttemptCompleted()
    {
        var logger = new RecordingLogger<OperationScopeTests>();

        var result = await OperationScope.RunAsync("checkpoint default/web", logger, scope =>
        {
            scope.Defer("remove the gate", () => throw new IOException("busy"));
            scope.Defer("remove the log", () => done.Add("log"));
            return Task.FromResult("committed");
        });

        Assert.Equal("committed", result);
        Assert.Equal(["log"], done);
        var (level, message) = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Error, level);
        Assert.Equal("checkpoint default/web completed but could not remove the gate", message);
    }

    [Fact]
    public async Task Run_Should_UndoWithoutTheCancelledToken_When_TheAttemptIsCancelled()
    {
        using var cancelled = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => OperationScope.RunAsync<int>("checkpoint default/web", NullLogger.Instance, async scope =>
        {
            scope.OnFailure("thaw", async _ =>
            {
                // A step is handed no token: its own waits run though the attempt's token is cancelled.
                await Task.Delay(10, CancellationToken.None);
                done.Add("thaw");
            });
            scope.OnFailure("unlock", _ => done.Add(cancelled.IsCancellationRequested ? "unlock after the cancellation" : "unlock"));
            await cancelled.CancelAsync();
            await Task.Delay(Timeout.Infinite, cancelled.Token);
            return 0;
        }));

        Assert.Equal(["unlock after the cancellation", "thaw"], done);
    }

    [Fact]
    public async Task Beside_Should_StopTheWorkBeforeEarlierStepsAndReportNoCause_When_TheAttemptIsCancelled()
    {
        using var cancelled = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => OperationScope.RunAsync<int>("restore default/web", NullLogger.Instance, async scope =>
        {
            scope.OnFailure("remove the directory", _ => done.Add("remove"));
            var verification = scope.Beside("the verification", async token =>
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, token);
                    return 0;
                }
                finally
                {
                    done.Add("verification stopped");
                }
            }, cancelled.Token);
            await cancelled.CancelAsync();
            return await verification;
        }));

        Assert.Equal(["verification stopped", "remove"], done);
    }

    [Fact]
    public async Task Beside_Should_ReportTheWorksOwnFailure_When_TheAttemptFailsOnlyBecauseOfIt()
    {
        var corrupt = new InvalidDataException("images/pages-1.img: SHA-256 differs");

        var thrown = await Assert.ThrowsAsync<InvalidDataException>(() => OperationScope.RunAsync<int>("restore default/web", NullLogger.Instance, async scope =>
        {
            var verification = scope.Beside<int>("the verification", async _ =>
            {
                await Task.Yield();
                throw corrupt;
            }, CancellationToken.None);
            await Task.WhenAny(verification);
            // CRIU, refused at its action script, fails with an echo of the cause.
            throw new IOException("criu restore failed: action script failed");
        }));

        Assert.Same(corrupt, thrown);
    }

    [Fact]
    public async Task Beside_Should_LeaveTheFailureAsItIs_When_TheWorkHadSucceeded()
    {
        var failure = new IOException("no pidfile");

        var thrown = await Assert.ThrowsAsync<IOException>(() => OperationScope.RunAsync<int>("restore default/web", NullLogger.Instance, async scope =>
        {
            var verification = scope.Beside("the verification", _ => Task.FromResult(1), CancellationToken.None);
            await verification;
            throw failure;
        }));

        Assert.Same(failure, thrown);
    }

    [Fact]
    public async Task OnFailure_Should_ReportWhatAStepSaysInstead_When_ItCannotUndoWhatItWasFor()
    {
        var thrown = await Assert.ThrowsAsync<AggregateException>(() => OperationScope.RunAsync<int>("checkpoint default/web", NullLogger.Instance, scope =>
        {
            scope.OnFailure("thaw", failure => done.Add($"thaw after {failure.GetType().Name}"));
            scope.OnFailure("release the network lock", failure => Task.FromResult<Exception>(new AggregateException("the lock stays", failure)));
            throw new IOException("CRIU failed");
        }));

        Assert.IsType<IOException>(thrown.InnerException);
        Assert.Equal(["thaw after AggregateException"], done);
    }

    [Fact]
    public async Task Drop_Should_KeepAStepFromRunning_When_TheAttemptUndidItItself()
    {
        await Assert.ThrowsAsync<IOException>(() => OperationScope.RunAsync<int>("checkpoint default/web", NullLogger.Instance, scope =>
        {
            scope.OnFailure("remove the checkpoint", _ => done.Add("remove"));
            var thaw = scope.OnFailure("thaw", _ => done.Add("thaw"));
            done.Add("thawed by the engine");
            thaw.Drop();
            throw new IOException("hashing failed");
        }));

        Assert.Equal(["thawed by the engine", "remove"], done);
    }

    [Fact]
    public async Task Dispose_Should_UndoTheSteps_When_TheScopeEndsWithoutCompleting()
    {
        var scope = new OperationScope("restore default/web", NullLogger.Instance);
        scope.OnFailure("remove the directory", _ => done.Add("remove"));
        scope.OnFailure("remove the cgroups", _ => done.Add("cgroups"));

        await scope.DisposeAsync();

        Assert.Equal(["cgroups", "remove"], done);
        Assert.Throws<InvalidOperationException>(() => scope.OnFailure("too late", _ => done.Add("late")));
    }
}
