using Cryo.Criu.Running;

namespace Cryo.Criu.Options;

/// <summary>
/// What every CRIU command that works on an images directory takes: the directory, where logs and stats go, how much
/// to log, and flags this project does not model yet. <see cref="DumpOptions"/> and <see cref="RestoreOptions"/> add
/// their command's own flags.
/// </summary>
public abstract record CriuCommandOptions
{
    /// <summary>Starts the options of a command whose log is called <paramref name="logFile"/> by default.</summary>
    /// <param name="logFile">The command's default log file name.</param>
    protected CriuCommandOptions(string logFile) => LogFile = logFile;

    /// <summary><c>-D DIR</c>: the images directory (a dump creates it, mode 0700, if missing).</summary>
    public required string ImagesDirectory { get; init; }

    /// <summary><c>-o FILE</c>: CRIU's log, relative to <see cref="ImagesDirectory"/> (or <see cref="WorkDirectory"/>) unless absolute.</summary>
    public string LogFile { get; init; }

    /// <summary><c>-vN</c>: log verbosity, 0–4 (4 = debug, what a failure report needs).</summary>
    public int LogLevel { get; init; } = 4;

    /// <summary><c>--display-stats</c>: print the command's statistics (CRIU writes <c>stats-dump</c> or <c>stats-restore</c> regardless).</summary>
    public bool DisplayStats { get; init; }

    /// <summary>
    /// <c>-W DIR</c>: directory for logs, pidfiles and stats instead of <see cref="ImagesDirectory"/>. Give each restore
    /// its own when several run from the same images at once, or they overwrite each other's <c>restore.log</c> and
    /// <c>stats-restore</c>.
    /// </summary>
    public string? WorkDirectory { get; init; }

    /// <summary>Further CRIU arguments appended verbatim, for flags the options do not model yet.</summary>
    public IReadOnlyList<string> AdditionalArguments { get; init; } = [];

    /// <summary>Where CRIU writes its statistics for these options (read them with <see cref="Stats.CriuStatisticsReader"/>).</summary>
    public string StatsDirectory => WorkDirectory ?? ImagesDirectory;

    /// <summary>Where CRIU writes its log for these options, as CRIU resolves <c>-o</c>.</summary>
    public string LogPath => CriuLogLocation.Resolve(LogFile, WorkDirectory ?? ImagesDirectory);

    /// <summary>Checks the settings every command shares.</summary>
    /// <exception cref="ArgumentException">The images directory or the log settings are missing or out of range.</exception>
    protected void RequireCommonSettings()
    {
        CriuArgumentList.RequireDirectory(nameof(ImagesDirectory), ImagesDirectory);
        CriuArgumentList.RequireLogSettings(LogFile, LogLevel);
    }
}
