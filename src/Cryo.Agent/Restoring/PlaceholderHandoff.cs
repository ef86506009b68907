using System.Globalization;

namespace Cryo.Agent.Restoring;

/// <summary>
/// The agent's side of the cryo-placeholder protocol (src/cryo-placeholder): after a restore into the
/// placeholder's container, tell its init which process is the restored root, so it forwards signals to it
/// and ends with its status. The PID is written to a temporary file in the handoff directory and renamed
/// onto the handoff file, so the placeholder never reads half a number.
/// </summary>
public static class PlaceholderHandoff
{
    /// <summary>Where the placeholder looks for the handoff file unless told otherwise (a path inside the container).</summary>
    public const string DefaultContainerPath = "/.cryo/handoff/restored.pid";

    /// <summary>The placeholder's environment variable naming the handoff file (inside the container).</summary>
    public const string HandoffFileVariable = "CRYO_HANDOFF_FILE";

    /// <summary>The placeholder's environment variable for how long it waits for a restore (seconds, 0 = forever).</summary>
    public const string TimeoutVariable = "CRYO_PLACEHOLDER_TIMEOUT_SECONDS";

    /// <summary>
    /// Hands <paramref name="pidInContainer"/> (the restored root's PID in the container's own numbering, as
    /// CRIU's --pidfile gives it when run in the container's PID namespace) to the placeholder through
    /// <paramref name="handoffFileHostPath"/>, the handoff file's path as the agent sees it (e.g. the
    /// volume's host directory + "restored.pid"). Replaces an earlier handoff (a failed attempt's).
    /// </summary>
    public static async Task WriteAsync(string handoffFileHostPath, int pidInContainer, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pidInContainer);
        var directory = Path.GetDirectoryName(Path.GetFullPath(handoffFileHostPath))
            ?? throw new ArgumentException($"'{handoffFileHostPath}' has no directory", nameof(handoffFileHostPath));
        // Same directory, so the rename is atomic; a unique name, so two attempts never share a temp file.
        var temporary = Path.Join(directory, $".restored.pid.{Guid.NewGuid():N}.tmp");
        try
        {
            await File.WriteAllTextAsync(temporary, pidInContainer.ToString(CultureInfo.InvariantCulture) + "\n", cancellationToken);
            File.Move(temporary, handoffFileHostPath, overwrite: true);
        }
        finally
        {
            File.Delete(temporary); // no-op after the rename
        }
    }
}
