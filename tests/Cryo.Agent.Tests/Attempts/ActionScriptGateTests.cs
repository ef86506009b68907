using System.Diagnostics;
using Cryo.Agent.Attempts;

namespace Cryo.Agent.Tests.Attempts;

/// <summary>
/// The action script as CRIU runs it, told the action in CRTOOLS_SCRIPT_ACTION: the native hook the agent's build puts
/// beside it (<c>native: true</c>), and the shell script written where it is missing.
/// </summary>
public sealed class ActionScriptGateTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    private static readonly string Hook = Path.Combine(AppContext.BaseDirectory, ActionScriptGate.HookFileName);

    [Fact]
    public void Create_Should_LinkTheNativeHook_When_TheBuildPutItBesideTheAgent()
    {
        var gate = ActionScriptGate.Create(directory.Path, "post-restore", Patience);

        Assert.True(File.Exists(Hook), $"the agent's build did not put {ActionScriptGate.HookFileName} beside it (gcc and make are installed here)");
        Assert.Equal(Hook, new FileInfo(gate.ScriptPath).LinkTarget);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Gate_Should_HoldEachActionUntilItsOwnVerdict_When_OneScriptServesSeveralActions(bool native)
    {
        var gates = ActionScriptGate.Create(directory.Path, ["pre-restore", "post-restore"], Patience, native ? Hook : null);
        var (before, after) = (gates[0], gates[1]);

        var other = await RunScriptAsync(before.ScriptPath, "setup-namespaces");
        using var held = StartScript(before.ScriptPath, "pre-restore");
        await before.WaitUntilReachedAsync(CancellationToken.None);
        after.Open();
        await Task.Delay(200);
        var heldWhileTheOtherOpened = !held.HasExited;
        before.Open();
        await held.WaitForExitAsync();
        var passed = await RunScriptAsync(after.ScriptPath, "post-restore");

        Assert.Equal(before.ScriptPath, after.ScriptPath);
        Assert.Equal(0, other);
        Assert.True(heldWhileTheOtherOpened, "pre-restore went on on post-restore's verdict");
        Assert.Equal(0, held.ExitCode);
        Assert.Equal(0, passed);
        Assert.False(File.Exists(Path.Combine(directory.Path, "setup-namespaces.reached")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Gate_Should_FailOnlyTheRefusedAction_When_OneOfSeveralIsRefused(bool native)
    {
        var gates = ActionScriptGate.Create(directory.Path, ["pre-restore", "post-restore"], Patience, native ? Hook : null);

        gates[0].Refuse();
        gates[1].Open();
        var refused = await RunScriptAsync(gates[0].ScriptPath, "pre-restore");
        var opened = await RunScriptAsync(gates[1].ScriptPath, "post-restore");

        Assert.NotEqual(0, refused);
        Assert.Equal(0, opened);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Gate_Should_SayHowLongCriuWaited_When_ItReachedTheActionBeforeTheVerdict(bool native)
    {
        var gates = ActionScriptGate.Create(directory.Path, ["post-setup-namespaces", "post-restore"], Patience, native ? Hook : null);
        var (waited, early) = (gates[0], gates[1]);

        early.Open();
        var passed = await RunScriptAsync(early.ScriptPath, "post-restore");
        using var held = StartScript(waited.ScriptPath, "post-setup-namespaces");
        await waited.WaitUntilReachedAsync(CancellationToken.None);
        await Task.Delay(300);
        waited.Open();
        await held.WaitForExitAsync();

        Assert.Equal(0, passed);
        Assert.Equal(TimeSpan.Zero, early.Held);
        Assert.InRange(waited.Held, TimeSpan.FromMilliseconds(250), Patience);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Gate_Should_FailTheAction_When_NoVerdictComesInTime(bool native)
    {
        var gate = ActionScriptGate.Create(directory.Path, ["post-restore"], TimeSpan.FromMilliseconds(100), native ? Hook : null)[0];

        var waited = Stopwatch.StartNew();
        var exit = await RunScriptAsync(gate.ScriptPath, "post-restore");

        Assert.NotEqual(0, exit);
        Assert.True(File.Exists(gate.ReachedPath));
        Assert.InRange(waited.Elapsed, TimeSpan.FromMilliseconds(90), Patience);
    }

    private static Process StartScript(string script, string action)
    {
        var start = new ProcessStartInfo(script) { UseShellExecute = false };
        start.Environment["CRTOOLS_SCRIPT_ACTION"] = action;
        return Process.Start(start)!;
    }

    private static async Task<int> RunScriptAsync(string script, string action)
    {
        using var process = StartScript(script, action);
        using var timeout = new CancellationTokenSource(Patience);
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }
}
