using System.Globalization;
using System.Text;

namespace Cryo.Criu.Running;

/// <summary>
/// How CRIU is started: directly, or behind a command that first moves into other namespaces
/// (<c>nsenter … --</c>), with extra descriptors opened for it (what <c>--inherit-fd</c> hands on).
/// </summary>
public sealed record CriuLaunch
{
    /// <summary>The lowest and highest descriptor numbers a redirect may use: the shell doing it (dash) reads one digit.</summary>
    public const int LowestRedirectFd = 3, HighestRedirectFd = 9;

    /// <summary>Start CRIU directly as a child of this process.</summary>
    public static CriuLaunch Direct { get; } = new();

    /// <summary>
    /// Argv placed before CRIU's executable, e.g. <c>["nsenter", "-t", "123", "--net", "--uts", "--ipc", "--"]</c>.
    /// It must end by exec'ing (or running) the remaining arguments.
    /// </summary>
    public IReadOnlyList<string> Prefix { get; init; } = [];

    /// <summary>
    /// Descriptors to open for writing in the child before the prefix runs: fd number (3–9) → path,
    /// e.g. <c>3 → /proc/77/fd/1</c> (the target container's stdout pipe).
    /// </summary>
    public IReadOnlyDictionary<int, string> FdRedirects { get; init; } = new Dictionary<int, string>();

    /// <summary>
    /// Descriptors to open for reading in the child before the prefix runs: fd number (3–9) → path,
    /// e.g. <c>5 → /proc/77/ns/net</c> for <c>--inherit-fd fd[5]:extnet</c>.
    /// </summary>
    public IReadOnlyDictionary<int, string> FdInputs { get; init; } = new Dictionary<int, string>();

    /// <summary>
    /// Descriptors opened for reading and writing in CRIU's process (<c>N&lt;&gt;path</c>): a terminal
    /// handed to <c>--inherit-fd</c> must be one CRIU can set terminal attributes on.
    /// </summary>
    public IReadOnlyDictionary<int, string> FdReadWrites { get; init; } = new Dictionary<int, string>();

    /// <summary>
    /// Runs just before CRIU is killed (the run cancelled, or past its deadline). A dump's tasks are let go as the CRIU
    /// holding them dies, and run at once, before anything can undo what CRIU did to them (sockets in TCP repair mode,
    /// whose reads then fail with EPERM): a dump through a freezer cgroup freezes it here, so they stop again as they
    /// are let go.
    /// </summary>
    public Action? BeforeKill { get; init; }

    /// <summary>
    /// The full argv that starts CRIU with <paramref name="criuArguments"/>. .NET cannot hand extra descriptors
    /// to a child, so redirects go through <c>/bin/sh -c 'exec "$@" 3&gt;PATH' sh PREFIX… CRIU ARGS…</c>:
    /// only the paths are spliced into the script (single-quoted), everything else stays a separate argument.
    /// </summary>
    /// <exception cref="ArgumentException">A descriptor number or path is unusable.</exception>
    public IReadOnlyList<string> BuildCommandLine(string criuExecutable, IReadOnlyList<string> criuArguments)
    {
        ArgumentException.ThrowIfNullOrEmpty(criuExecutable);
        ArgumentNullException.ThrowIfNull(criuArguments);
        var command = new List<string>(Prefix.Count + criuArguments.Count + 5);
        var script = RedirectScript();
        if (script is not null)
        {
            command.AddRange(["/bin/sh", "-c", script, "sh"]);
        }
        command.AddRange(Prefix);
        command.Add(criuExecutable);
        command.AddRange(criuArguments);
        return command;
    }

    private string? RedirectScript()
    {
        if (FdRedirects.Count == 0 && FdInputs.Count == 0 && FdReadWrites.Count == 0)
        {
            return null;
        }
        var duplicate = FdRedirects.Keys.Concat(FdInputs.Keys).Concat(FdReadWrites.Keys).GroupBy(k => k).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicate.Count > 0)
        {
            throw new ArgumentException($"descriptor {duplicate[0]} is named twice among FdRedirects, FdInputs and FdReadWrites");
        }
        var script = new StringBuilder("exec \"$@\"");
        foreach (var (fd, path, op) in FdRedirects.Select(r => (r.Key, r.Value, ">"))
                     .Concat(FdInputs.Select(r => (r.Key, r.Value, "<")))
                     .Concat(FdReadWrites.Select(r => (r.Key, r.Value, "<>")))
                     .OrderBy(r => r.Key))
        {
            if (fd is < LowestRedirectFd or > HighestRedirectFd)
            {
                throw new ArgumentOutOfRangeException(nameof(FdRedirects), fd,
                    $"redirected descriptors must be {LowestRedirectFd}–{HighestRedirectFd}: 0–2 carry CRIU's output, /bin/sh reads one digit");
            }
            if (string.IsNullOrEmpty(path) || path.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException($"descriptor {fd} needs a path without NUL characters");
            }
            script.Append(CultureInfo.InvariantCulture, $" {fd}{op}{ShellQuoting.Quote(path)}");
        }
        return script.ToString();
    }
}
