using System.Globalization;

namespace Cryo.Agent.Attempts;

/// <summary>
/// Holds CRIU at one of its action-script points until the agent gives a verdict. CRIU runs its action
/// script at fixed moments — <c>post-dump</c> while the dumped tree is still frozen, <c>post-restore</c>
/// after every task is recreated but before any is resumed — and fails the operation (killing a restored
/// tree) when the script fails. The script announces it has been reached, then waits for the verdict file
/// the agent writes, so work the agent does in C# happens at exactly that moment: capturing the
/// container's files while the tree is frozen, or letting a restored tree run only once its images'
/// checksums are verified.
/// </summary>
public sealed class ActionScriptGate
{
    private const string Ok = "ok";

    /// <summary>The native action script's file name (src/cryo-action-hook); it is looked for beside the agent's assembly.</summary>
    public const string HookFileName = "cryo-action-hook";

    /// <summary>
    /// The native hook beside the agent, or null where it was not built (no gcc, or no static C library): a shell script
    /// then does the same, at ~2 ms more for each action CRIU runs it at and up to 10 ms for each wait.
    /// </summary>
    private static readonly Lazy<string?> InstalledHook = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, HookFileName);
        return File.Exists(path) ? path : null;
    });

    private ActionScriptGate(string scriptPath, string reachedPath, string verdictPath)
    {
        ScriptPath = scriptPath;
        ReachedPath = reachedPath;
        VerdictPath = verdictPath;
    }

    /// <summary>The action script to hand CRIU (<c>--action-script</c>).</summary>
    public string ScriptPath { get; }

    /// <summary>The file the script creates when CRIU reaches the action.</summary>
    public string ReachedPath { get; }

    /// <summary>Where the verdict is written.</summary>
    public string VerdictPath { get; }

    /// <summary>The CRIU action this gate holds CRIU at.</summary>
    public string Action { get; private init; } = "";

    /// <summary>
    /// How long CRIU waited at the action for the verdict, once given: from when the script marked the action reached
    /// (the mark's time, to the file system's clock tick) to the verdict; zero when the verdict came first.
    /// </summary>
    public TimeSpan Held { get; private set; }

    /// <summary>Writes the action script into <paramref name="directory"/>.</summary>
    /// <param name="directory">A private directory of this operation, visible at the same path to CRIU.</param>
    /// <param name="action">The CRIU action to stop at (<c>post-dump</c>, <c>post-restore</c>).</param>
    /// <param name="maxWait">How long the script waits for a verdict before failing the operation itself.</param>
    public static ActionScriptGate Create(string directory, string action, TimeSpan maxWait) => Create(directory, [action], maxWait)[0];

    /// <summary>
    /// Writes one action script into <paramref name="directory"/> that holds CRIU at each of <paramref name="actions"/>
    /// (CRIU takes one script and runs it at every action), with a gate, and a verdict, per action.
    /// </summary>
    /// <param name="directory">A private directory of this operation, visible at the same path to CRIU.</param>
    /// <param name="actions">The CRIU actions to stop at, e.g. <c>pre-restore</c> and <c>post-restore</c>.</param>
    /// <param name="maxWait">How long the script waits for each verdict before failing the operation itself.</param>
    /// <returns>The gates, in the order of <paramref name="actions"/>, all with the same <see cref="ScriptPath"/>.</returns>
    public static IReadOnlyList<ActionScriptGate> Create(string directory, IReadOnlyList<string> actions, TimeSpan maxWait) =>
        Create(directory, actions, maxWait, InstalledHook.Value);

    /// <summary>
    /// As <see cref="Create(string, IReadOnlyList{string}, TimeSpan)"/>, with the native hook at <paramref name="hook"/> as the
    /// script, or a shell script when it is null.
    /// </summary>
    internal static IReadOnlyList<ActionScriptGate> Create(string directory, IReadOnlyList<string> actions, TimeSpan maxWait, string? hook)
    {
        ArgumentNullException.ThrowIfNull(actions);
        if (actions.Count == 0 || actions.Any(string.IsNullOrEmpty) || actions.Distinct(StringComparer.Ordinal).Count() != actions.Count)
        {
            throw new ArgumentException("one or more distinct CRIU actions", nameof(actions));
        }
        var name = Path.Combine(directory, string.Join('+', actions));
        var script = hook is null ? name + ".sh" : name + ".hook";
        var gates = actions.Select(a => new ActionScriptGate(script, Path.Combine(directory, a + ".reached"), Path.Combine(directory, a + ".verdict")) { Action = a }).ToList();
        if (hook is null)
        {
            WriteShellScript(script, gates, maxWait);
        }
        else
        {
            WriteHook(script, hook, gates, maxWait);
        }
        return gates;
    }

    /// <summary>
    /// Links the native hook (src/cryo-action-hook) in as the script, with its gates in the file beside it it reads (CRIU
    /// runs the script with no arguments). Written before the link: CRIU cannot run a hook that lacks its gates.
    /// </summary>
    private static void WriteHook(string script, string hook, IReadOnlyList<ActionScriptGate> gates, TimeSpan maxWait)
    {
        // One gate a line, its fields tab-separated: neither may appear in them.
        if (gates.Any(g => $"{g.Action}{g.ReachedPath}{g.VerdictPath}".AsSpan().IndexOfAny('\t', '\n') >= 0))
        {
            throw new ArgumentException("the CRIU actions and the operation's directory hold no tab or line break", nameof(gates));
        }
        var waitMs = Math.Max(1, (long)maxWait.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        File.WriteAllText(script + ".gates", string.Concat(gates.Select(g => $"{g.Action}\t{g.ReachedPath}\t{g.VerdictPath}\t{waitMs}\n")));
        File.CreateSymbolicLink(script, hook);
    }

    private static void WriteShellScript(string script, IReadOnlyList<ActionScriptGate> gates, TimeSpan maxWait)
    {
        var polls = Math.Max(1, (int)(maxWait.TotalMilliseconds / 10));
        var cases = string.Concat(gates.Select(g => $"  {g.Action}) reached='{g.ReachedPath}'; verdict='{g.VerdictPath}' ;;\n"));
        File.WriteAllText(script, string.Create(CultureInfo.InvariantCulture, $$"""
            #!/bin/sh
            # Written by the Cryo agent: holds CRIU at {{string.Join(", ", gates.Select(g => g.Action))}} until the agent's verdict on each.
            case "$CRTOOLS_SCRIPT_ACTION" in
            {{cases}}  *) exit 0 ;;
            esac
            : > "$reached"
            i=0
            while [ ! -e "$verdict" ]; do
              i=$((i + 1)); [ $i -gt {{polls}} ] && { echo "cryo: no verdict for $CRTOOLS_SCRIPT_ACTION in time" >&2; exit 1; }
              sleep 0.01
            done
            # read, a builtin: $(cat …) would cost CRIU's restore a fork and an exec more.
            read -r answer < "$verdict"
            [ "$answer" = {{Ok}} ]

            """));
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Waits until CRIU reaches the action (polls: the script runs in another process).</summary>
    public async Task WaitUntilReachedAsync(CancellationToken cancellationToken)
    {
        while (!File.Exists(ReachedPath))
        {
            await Task.Delay(5, cancellationToken);
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> and gives its verdict: CRIU goes on once it succeeds, and fails its operation
    /// (restores nothing, commits nothing) when it does not, cancelled included.
    /// </summary>
    public async Task<T> DecideAsync<T>(Func<Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        try
        {
            var result = await work();
            Open();
            return result;
        }
        catch
        {
            Refuse();
            throw;
        }
    }

    /// <summary>Lets CRIU go on.</summary>
    public void Open() => Write(Ok);

    /// <summary>Makes CRIU fail the operation.</summary>
    public void Refuse() => Write("refused");

    private void Write(string verdict)
    {
        var temporary = VerdictPath + ".tmp";
        File.WriteAllText(temporary, verdict);
        File.Move(temporary, VerdictPath, overwrite: true);
        var given = DateTime.UtcNow;
        var reached = File.Exists(ReachedPath) ? File.GetLastWriteTimeUtc(ReachedPath) : given;
        Held = reached < given ? given - reached : TimeSpan.Zero;
    }
}
