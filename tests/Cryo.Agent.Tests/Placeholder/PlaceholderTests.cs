namespace Cryo.Agent.Tests.Placeholder;

/// <summary>
/// The placeholder init, run as the init of a real PID namespace, with "restored" apps started inside the
/// namespace as orphans (exactly how CRIU's detached root reaches it) and handed over by file rename.
/// </summary>
[Collection(PlaceholderCollection.Name)]
public sealed class PlaceholderTests(PlaceholderBuild build) : IDisposable
{
    private const int SigKill = 9;

    /// <summary>
    /// A process that ends at once may be reaped by the shell that started it, never reaching the
    /// placeholder: this prefix waits until it has been reparented to the placeholder (parent PID 1).
    /// </summary>
    private const string WaitUntilOrphaned =
        "me=$(sh -c 'echo $PPID'); while [ \"$(cut -d' ' -f4 /proc/$me/stat)\" != 1 ]; do sleep 0.02; done; ";

    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));

    private CancellationToken Token => _timeout.Token;

    public void Dispose() => _timeout.Dispose();

    [Fact]
    public async Task Placeholder_Should_ExitWithAppStatus_When_RestoredAppExits()
    {
        await using var placeholder = await PlaceholderProcess.StartAsync(build, timeoutSeconds: 600, Token);
        var outcome = await AdoptAndReleaseAsync(placeholder, "exit 7");

        Assert.Equal(PlaceholderOutcome.Exited(7), outcome);
    }

    [Fact]
    public async Task Placeholder_Should_DieBySigkill_When_RestoredAppIsKilled()
    {
        await using var placeholder = await PlaceholderProcess.StartAsync(build, timeoutSeconds: 600, Token);
        // The subshell kills itself: "sh -c 'echo $PPID'" prints the subshell's own PID.
        var outcome = await AdoptAndReleaseAsync(placeholder, "kill -KILL $(sh -c 'echo $PPID')");

        // Observed: a namespace init cannot kill itself, but a hard RLIMIT_CPU overrun is a kernel SIGKILL
        // that reaches it, so the container really ends "killed by signal 9" (the runtime reports 137).
        Assert.Equal(PlaceholderOutcome.Killed(SigKill), outcome);
        Assert.Contains("killed by signal 9", placeholder.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Placeholder_Should_ExitWith128PlusSignal_When_RestoredAppDiesBySigterm()
    {
        await using var placeholder = await PlaceholderProcess.StartAsync(build, timeoutSeconds: 600, Token);
        var outcome = await AdoptAndReleaseAsync(placeholder, "kill -TERM $(sh -c 'echo $PPID')");

        Assert.Equal(PlaceholderOutcome.Exited(128 + 15), outcome);
    }

    [Fact]
    public async Task Placeholder_Should_ForwardSigterm_When_AppTrapsIt()
    {
        await using var placeholder = await PlaceholderProcess.StartAsync(build, timeoutSeconds: 600, Token);
        var ready = Path.Join(placeholder.SharedDir, "ready");
        var app = await placeholder.StartOrphanAsync($"trap 'exit 42' TERM; touch {ready}; while :; do sleep 0.02; done", Token);
        await placeholder.HandOffAsync(app, Token);
        await placeholder.WaitForLogAsync($"adopted restored process {app}", Token);
        await placeholder.WaitUntilAsync(() => File.Exists(ready), "the app's TERM trap", Token);

        await placeholder.SignalAsync("TERM", Token);
        var outcome = await placeholder.WaitForOutcomeAsync(Token);

        Assert.Equal(PlaceholderOutcome.Exited(42), outcome);
    }

    [Fact]
    public async Task Placeholder_Should_KeepRunning_When_StrayChildrenExit()
    {
        await using var placeholder = await PlaceholderProcess.StartAsync(build, timeoutSeconds: 600, Token);
        var go = Path.Join(placeholder.SharedDir, "go");

        await placeholder.StartOrphanAsync(WaitUntilOrphaned + "exit 3", Token);
        await placeholder.WaitUntilAsync(() => placeholder.Children().Count == 0, "reaping the stray before the handoff", Token);
        var app = await placeholder.StartOrphanAsync($"while [ ! -e {go} ]; do sleep 0.02; done; exit 7", Token);
        await placeholder.HandOffAsync(app, Token);
        await placeholder.WaitForLogAsync($"adopted restored process {app}", Token);
        await placeholder.StartOrphanAsync(WaitUntilOrphaned + "exit 4", Token);
        await placeholder.WaitUntilAsync(() => placeholder.Children().Count == 1, "reaping the stray after the handoff", Token);
        var endedByStrays = placeholder.HasEnded;
        await File.WriteAllTextAsync(go, string.Empty, Token);
        var outcome = await placeholder.WaitForOutcomeAsync(Token);

        Assert.False(endedByStrays);
        Assert.Equal(PlaceholderOutcome.Exited(7), outcome);
    }

    [Fact]
    public async Task Placeholder_Should_KeepWaiting_When_HandedAPidThatIsNotItsChild()
    {
        await using var placeholder = await PlaceholderProcess.StartAsync(build, timeoutSeconds: 600, Token);
        await placeholder.HandOffAsync(4242, Token);
        await placeholder.WaitForLogAsync("PID 4242", Token);
        placeholder.HandOff("not a pid");
        await placeholder.WaitForLogAsync("does not hold a PID", Token);
        var outcome = await AdoptAndReleaseAsync(placeholder, "exit 7");

        Assert.Equal(PlaceholderOutcome.Exited(7), outcome);
        Assert.Contains("is not a child of this init", placeholder.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Placeholder_Should_ExitWithAppStatus_When_AppEndedBeforeItsPidArrived()
    {
        await using var placeholder = await PlaceholderProcess.StartAsync(build, timeoutSeconds: 600, Token);

        var app = await placeholder.StartOrphanAsync(WaitUntilOrphaned + "exit 5", Token);
        await placeholder.WaitUntilAsync(() => placeholder.Children().Count == 0, "reaping the app", Token);
        await placeholder.HandOffAsync(app, Token);
        var outcome = await placeholder.WaitForOutcomeAsync(Token);

        Assert.Equal(PlaceholderOutcome.Exited(5), outcome);
    }

    [Fact]
    public async Task Placeholder_Should_MakeItsHandoffDirectory_When_ItIsMissing()
    {
        // What the operator's pods gave it before: an emptyDir holding only the program, no handoff directory.
        await using var placeholder = await PlaceholderProcess.StartAsync(build, "600", Token, createHandoffDirectory: false);
        var go = Path.Join(placeholder.SharedDir, "go");
        var app = await placeholder.StartOrphanAsync($"while [ ! -e {go} ]; do sleep 0.02; done; exit 7", Token);

        var directory = Path.Join(placeholder.SharedDir, "handoff");
        Assert.True(Directory.Exists(directory), "the placeholder did not make its handoff directory");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));
        await placeholder.HandOffAsync(app, Token);
        await placeholder.WaitForLogAsync($"adopted restored process {app}", Token);
        await File.WriteAllTextAsync(go, string.Empty, Token);
        var outcome = await placeholder.WaitForOutcomeAsync(Token);

        Assert.Equal(PlaceholderOutcome.Exited(7), outcome);
    }

    [Fact]
    public async Task Placeholder_Should_RefuseToStart_When_TimeoutSettingIsNotANumber()
    {
        await using var placeholder = await PlaceholderProcess.StartAsync(build, "ten", Token, waitUntilReady: false);

        var outcome = await placeholder.WaitForOutcomeAsync(Token);

        Assert.Equal(PlaceholderOutcome.Exited(2), outcome);
        Assert.Contains("CRYO_PLACEHOLDER_TIMEOUT_SECONDS", placeholder.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Placeholder_Should_GiveUpWithMessage_When_NoRestoreArrivesInTime()
    {
        await using var placeholder = await PlaceholderProcess.StartAsync(build, timeoutSeconds: 1, Token);

        var outcome = await placeholder.WaitForOutcomeAsync(Token);

        Assert.Equal(PlaceholderOutcome.Exited(124), outcome);
        Assert.Contains("cryo-placeholder: no restore arrived within 1 seconds", placeholder.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Placeholder_Should_ExitPromptly_When_TerminatedBeforeRestore()
    {
        await using var placeholder = await PlaceholderProcess.StartAsync(build, timeoutSeconds: 600, Token);

        await placeholder.SignalAsync("TERM", Token);
        var outcome = await placeholder.WaitForOutcomeAsync(Token);

        Assert.Equal(PlaceholderOutcome.Exited(143), outcome);
    }

    // Hands the placeholder an orphan that waits for a "go" file and then runs `then`; creates the file once the
    // placeholder has adopted it, so the app's end is always seen by the placeholder, never by its starting shell.
    private async Task<PlaceholderOutcome> AdoptAndReleaseAsync(PlaceholderProcess placeholder, string then)
    {
        var go = Path.Join(placeholder.SharedDir, "go");
        var app = await placeholder.StartOrphanAsync($"while [ ! -e {go} ]; do sleep 0.02; done; {then}", Token);
        await placeholder.HandOffAsync(app, Token);
        await placeholder.WaitForLogAsync($"adopted restored process {app}", Token);
        await File.WriteAllTextAsync(go, string.Empty, Token);
        return await placeholder.WaitForOutcomeAsync(Token);
    }
}
