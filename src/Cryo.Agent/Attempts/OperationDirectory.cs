namespace Cryo.Agent.Attempts;

/// <summary>
/// A private directory for one attempt of one operation under the agent's run directory
/// (<c>RUN/KIND/OPERATION.RANDOM</c>): action-script gates, pidfiles, CRIU's restore log, a standalone
/// copy's output. On the node, not on the checkpoint volume.
/// </summary>
public static class OperationDirectory
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates the directory (0700). The operation ID was validated by the service and names no path.</summary>
    public static string Create(EngineOptions settings, string kind, string operationId)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var parent = Path.Combine(settings.RunDirectory, kind);
        Directory.CreateDirectory(parent, Private);
        var directory = Path.Combine(parent, operationId + "." + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory, Private);
        return directory;
    }
}
