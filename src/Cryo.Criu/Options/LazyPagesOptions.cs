using Cryo.Criu.Images;

namespace Cryo.Criu.Options;

/// <summary>
/// The flags of one <c>criu lazy-pages</c>: the daemon that serves the memory of a <c>restore --lazy-pages</c> from
/// the images. It listens on <see cref="CriuImageFiles.LazyPagesSocket"/> in its work directory, takes each restored
/// task's userfaultfd, copies pages in on the task's first touch and the rest in the background, and exits (0)
/// once every page is in or every task is gone. While it runs it is the only holder of those userfaultfds: when it
/// dies early, the kernel fills whatever was not copied yet with zeroes.
/// </summary>
public sealed record LazyPagesOptions
{
    /// <summary><c>-D DIR</c>: the images whose pages are served (those of the restore).</summary>
    public required string ImagesDirectory { get; init; }

    /// <summary>
    /// <c>-W DIR</c>: where the socket, log and statistics go. Give the restore the same <see cref="CriuCommandOptions.WorkDirectory"/>:
    /// it looks for the socket there.
    /// </summary>
    public string? WorkDirectory { get; init; }

    /// <summary><c>-o FILE</c>: the daemon's log, relative to <see cref="WorkDirectory"/> (or <see cref="ImagesDirectory"/>) unless absolute.</summary>
    public string LogFile { get; init; } = CriuImageFiles.LazyPagesLog;

    /// <summary><c>-vN</c>: log verbosity, 0–4. At 4 CRIU logs every copy (one line per MiB), at 2 only warnings and errors.</summary>
    public int LogLevel { get; init; } = 2;

    /// <summary>Further CRIU arguments appended verbatim, for flags this record does not model yet.</summary>
    public IReadOnlyList<string> AdditionalArguments { get; init; } = [];

    /// <summary>Where CRIU writes its log for these options, as CRIU resolves <c>-o</c>.</summary>
    public string LogPath => CriuLogLocation.Resolve(LogFile, WorkDirectory ?? ImagesDirectory);

    /// <summary>Where the daemon's socket appears once it listens.</summary>
    public string SocketPath => Path.Combine(WorkDirectory ?? ImagesDirectory, CriuImageFiles.LazyPagesSocket);

    /// <summary>The arguments after the CRIU executable, starting with <c>lazy-pages</c>.</summary>
    /// <exception cref="ArgumentException">A required value is missing or out of range.</exception>
    public IReadOnlyList<string> ToArguments()
    {
        CriuArgumentList.RequireDirectory(nameof(ImagesDirectory), ImagesDirectory);
        CriuArgumentList.RequireLogSettings(LogFile, LogLevel);
        return new CriuArgumentList("lazy-pages")
            .Value("-D", ImagesDirectory)
            .Value("-W", WorkDirectory)
            .Value("-o", LogFile)
            .Flag(true, $"-v{LogLevel}")
            .Verbatim(AdditionalArguments)
            .ToList();
    }
}
