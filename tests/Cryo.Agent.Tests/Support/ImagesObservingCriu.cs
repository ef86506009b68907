using Cryo.Criu;
using Cryo.Criu.Images;
using Cryo.Criu.Options;
using Cryo.Criu.Running;

namespace Cryo.Agent.Tests.Support;

/// <summary>
/// The real CRIU, noting what the images directory of the last restore held the moment CRIU was started on it (the
/// engine may remove a copy made for CRIU as soon as it is done): whether it had a <c>parent</c> link, and how many pages
/// its pagemaps stored and left to a parent.
/// </summary>
public sealed class ImagesObservingCriu(ICriu inner) : DelegatingCriu(inner)
{
    /// <summary>The last restore's <c>-D</c>.</summary>
    public string? ImagesDirectory { get; private set; }

    /// <summary>Whether it held a <c>parent</c> link.</summary>
    public bool HadParentLink { get; private set; }

    /// <summary>Pages its pagemaps stored in its own pages images.</summary>
    public long PresentPages { get; private set; }

    /// <summary>Pages its pagemaps left to a parent.</summary>
    public long PagesInParent { get; private set; }

    public override Task<CriuRunResult> RestoreAsync(RestoreOptions options, CriuLaunch? launch, TimeSpan deadline, CancellationToken cancellationToken)
    {
        ImagesDirectory = options.ImagesDirectory;
        HadParentLink = Path.Exists(Path.Combine(options.ImagesDirectory, CriuImageFiles.ParentLink));
        var maps = Directory.EnumerateFiles(options.ImagesDirectory)
            .Where(path => CriuImageFiles.IsAnyPageMapImage(Path.GetFileName(path)))
            .Select(PageMap.Read)
            .ToList();
        PresentPages = maps.Sum(map => map.PresentPageCount);
        PagesInParent = maps.Sum(map => map.InParentPageCount);
        return Inner.RestoreAsync(options, launch, deadline, cancellationToken);
    }
}
