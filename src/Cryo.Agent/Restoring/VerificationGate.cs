using System.Globalization;

namespace Cryo.Agent.Restoring;

/// <summary>
/// Holds a restored tree stopped until the images' checksums are verified. CRIU runs its
/// <c>post-restore</c> action script after every task is recreated but before any is resumed, and aborts
/// the restore (killing the tree) when the script fails. The script waits for the verdict the engine
/// writes once hashing finishes, so verification runs beside CRIU instead of before it, and corrupted
/// memory never executes.
/// </summary>
public sealed class VerificationGate
{
    private const string Ok = "ok";

    private VerificationGate(string scriptPath, string verdictPath)
    {
        ScriptPath = scriptPath;
        VerdictPath = verdictPath;
    }

    /// <summary>The action script to hand CRIU (<c>--action-script</c>).</summary>
    public string ScriptPath { get; }

    /// <summary>Where the verdict is written.</summary>
    public string VerdictPath { get; }

    /// <summary>Writes the action script into <paramref name="directory"/>.</summary>
    /// <param name="directory">A private directory of this restore.</param>
    /// <param name="maxWait">How long the script waits for a verdict before failing the restore itself.</param>
    public static VerificationGate Create(string directory, TimeSpan maxWait)
    {
        var verdict = Path.Combine(directory, "verdict");
        var script = Path.Combine(directory, "gate.sh");
        var polls = Math.Max(1, (int)(maxWait.TotalMilliseconds / 10));
        // The script runs in CRIU's mount namespace, which is a copy of the agent's: the paths resolve.
        File.WriteAllText(script, string.Create(CultureInfo.InvariantCulture, $$"""
            #!/bin/sh
            # Written by the Cryo agent: holds the restored tree stopped until its images are verified.
            [ "$CRTOOLS_SCRIPT_ACTION" = post-restore ] || exit 0
            i=0
            while [ ! -e '{{verdict}}' ]; do
              i=$((i + 1)); [ $i -gt {{polls}} ] && { echo "cryo: no checksum verdict in time" >&2; exit 1; }
              sleep 0.01
            done
            [ "$(cat '{{verdict}}')" = {{Ok}} ]

            """));
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new VerificationGate(script, verdict);
    }

    /// <summary>Lets the restored tree run.</summary>
    public void Open() => Write(Ok);

    /// <summary>Makes CRIU abort the restore and kill the tree.</summary>
    public void Refuse() => Write("corrupt");

    private void Write(string verdict)
    {
        var temporary = VerdictPath + ".tmp";
        File.WriteAllText(temporary, verdict);
        File.Move(temporary, VerdictPath, overwrite: true);
    }
}
