namespace Cryo.Agent.Attempts;

/// <summary>
/// A private directory for one attempt of one operation under the agent's run directory
/// (<c>RUN/KIND/OPERATION.RANDOM</c>): action-script gates, pidfiles, CRIU's restore log, a standalone
/// copy's output. On the node, not on the checkpoint volume.
/// </summary>
public static class OperationDirectory
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// Creates the directory (0700) and has <paramref name="scope"/> remove it: when the attempt fails, and also
    /// when it succeeds unless <paramref name="keep"/> (a standalone restore's copy writes its output there for
    /// as long as it runs). The operation ID was validated by the service and names no path.
    /// </summary>
    public static string Create(OperationScope scope, EngineOptions settings, string kind, string operationId, bool keep)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(settings);
        var parent = Path.Combine(settings.RunDirectory, kind);
        Directory.CreateDirectory(parent, Private);
        var directory = Path.Combine(parent, operationId + "." + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory, Private);
        var description = $"remove {directory}";
        if (keep)
        {
            scope.OnFailure(description, _ => Directory.Delete(directory, recursive: true));
        }
        else
        {
            scope.Defer(description, () => Directory.Delete(directory, recursive: true));
        }

        return directory;
    }
}
