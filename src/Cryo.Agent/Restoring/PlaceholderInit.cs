using System.Globalization;
using Cryo.Agent.Containers;

namespace Cryo.Agent.Restoring;

/// <summary>
/// The target container's init, which must be cryo-placeholder (src/cryo-placeholder): only it adopts the
/// restored root, forwards the container's signals to it and ends with its status. Any other init would leave
/// the restored application running unseen: its exit would never reach the pod and a pod deletion would never
/// reach it. So a restore refuses such a target before anything is restored.
/// </summary>
/// <param name="Pid">The init's host PID.</param>
/// <param name="HandoffFile">The handoff file as the placeholder sees it, inside its container.</param>
public sealed record PlaceholderInit(int Pid, string HandoffFile)
{
    /// <summary>The name of the placeholder program.</summary>
    public const string ProgramName = "cryo-placeholder";

    /// <summary>The handoff file as the agent reaches it: through the init's root.</summary>
    public string HandoffFileHostPath => $"/proc/{Pid.ToString(CultureInfo.InvariantCulture)}/root{HandoffFile}";

    /// <summary>
    /// Checks that <paramref name="container"/>'s init runs cryo-placeholder and finds where it waits for the
    /// restored root's PID (its <c>CRYO_HANDOFF_FILE</c>, else the default), making the handoff directory if the
    /// placeholder has not yet.
    /// </summary>
    /// <exception cref="RestoreTargetMismatchException">The init is another program.</exception>
    public static async Task<PlaceholderInit> FindAsync(ProcFs procFs, ResolvedContainer container, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(procFs);
        ArgumentNullException.ThrowIfNull(container);
        var executable = procFs.ReadLink(container.InitPid, "exe");
        if (!Path.GetFileName(executable).StartsWith(ProgramName, StringComparison.Ordinal))
        {
            throw new RestoreTargetMismatchException("/", string.Create(CultureInfo.InvariantCulture,
                $"the target container's init (PID {container.InitPid}) runs {executable}, not {ProgramName}: a restored application's exit would never reach the pod, nor the pod's signals the application. " +
                $"Restore into a container whose command is {ProgramName} (pods a Restore creates always are; for existingPod, start the container with it)"));
        }
        var environment = await procFs.ReadTextAsync(container.InitPid, "environ", cancellationToken);
        var handoffFile = environment.Split('\0')
            .Where(v => v.StartsWith(PlaceholderHandoff.HandoffFileVariable + "=", StringComparison.Ordinal))
            .Select(v => v[(PlaceholderHandoff.HandoffFileVariable.Length + 1)..])
            .LastOrDefault(v => v.Length > 0) ?? PlaceholderHandoff.DefaultContainerPath;
        var init = new PlaceholderInit(container.InitPid, handoffFile);
        init.EnsureDirectory();
        return init;
    }

    /// <summary>
    /// Makes the handoff directory where it is missing (the placeholder makes it at start; one that could not, or
    /// an older one, gets it from here). The path is the container's to choose, and the agent reaches it through
    /// the init's root, where an absolute symlink would lead into the node's own files: so no component may be a
    /// symlink or "..".
    /// </summary>
    private void EnsureDirectory()
    {
        var components = HandoffFile.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (!HandoffFile.StartsWith('/') || components.Length == 0 || components.Any(c => c is ".." or "."))
        {
            throw Unsafe("is not an absolute path without '.' and '..'");
        }
        var directory = $"/proc/{Pid.ToString(CultureInfo.InvariantCulture)}/root";
        foreach (var component in components[..^1])
        {
            directory = Path.Join(directory, component);
            var info = new DirectoryInfo(directory);
            if (info.LinkTarget is not null)
            {
                throw Unsafe($"passes through a symlink ({component})");
            }
            if (!info.Exists)
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
    }

    private RestoreTargetMismatchException Unsafe(string problem) =>
        new(HandoffFile, $"the placeholder's handoff file {HandoffFile} ({PlaceholderHandoff.HandoffFileVariable} of PID {Pid}) {problem}; leave {PlaceholderHandoff.HandoffFileVariable} unset or name a plain directory");
}
