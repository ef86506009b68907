using Cryo.Criu.Options;

namespace Cryo.Criu.Images;

/// <summary>Names of the files CRIU writes into an images directory (and the logs Cryo puts beside them).</summary>
public static class CriuImageFiles
{
    /// <summary>Image set header: CRIU version, image format, root IDs. Present in every complete dump.</summary>
    public const string Inventory = "inventory.img";

    /// <summary>The process tree: PIDs, sessions, process groups.</summary>
    public const string ProcessTree = "pstree.img";

    /// <summary>The tree's file table: every file, socket and pipe a task holds, maps, runs or works in, by ID.</summary>
    public const string Files = "files.img";

    /// <summary>Prefix of per-task core images (<c>core-PID.img</c>): registers, signals, task state.</summary>
    public const string CorePrefix = "core-";

    /// <summary>Prefix of memory page images (<c>pages-N.img</c>): the raw page contents.</summary>
    public const string PagesPrefix = "pages-";

    /// <summary>Prefix of the mount images, <c>mountpoints-ID.img</c> (one per mount namespace).</summary>
    public const string MountPointsPrefix = "mountpoints-";

    /// <summary>
    /// Prefix of the network namespace images, <c>netns-ID.img</c>: absent when CRIU ran inside the tree's network
    /// namespace (Cryo's dumps), present when it dumped the namespace or was told it is external (runc's dumps).
    /// </summary>
    public const string NetnsPrefix = "netns-";

    /// <summary>Prefix of page-map images (<c>pagemap-PID.img</c>): which virtual addresses the pages belong to.</summary>
    public const string PageMapPrefix = "pagemap-";

    /// <summary>Prefix of shared-memory page-map images (<c>pagemap-shmem-ID.img</c>, ID the object's inode): anonymous shared mappings.</summary>
    public const string ShmemPageMapPrefix = "pagemap-shmem-";

    /// <summary>
    /// The link to the parent images directory of an incremental dump: CRIU reads a pagemap's
    /// <see cref="Images.PageMapFlags.Parent"/> runs from the pagemap of the same name behind it. A relative symbolic link,
    /// resolved from the images directory that holds it (CRIU warns that absolute ones may not work on restore).
    /// </summary>
    public const string ParentLink = "parent";

    /// <summary>Suffix of every CRIU image file.</summary>
    public const string ImageSuffix = ".img";

    /// <summary>Default log of <c>criu dump</c> (see <see cref="CriuCommandOptions.LogFile"/>).</summary>
    public const string DumpLog = "dump.log";

    /// <summary>Default log of <c>criu restore</c> (see <see cref="CriuCommandOptions.LogFile"/>).</summary>
    public const string RestoreLog = "restore.log";

    /// <summary>Default log of <c>criu lazy-pages</c> (see <see cref="Options.LazyPagesOptions.LogFile"/>).</summary>
    public const string LazyPagesLog = "lazy-pages.log";

    /// <summary>
    /// The Unix socket <c>criu lazy-pages</c> listens on and <c>criu restore --lazy-pages</c> connects to, in the work
    /// directory (<c>-W</c>) of both: they must share one.
    /// </summary>
    public const string LazyPagesSocket = "lazy-pages.socket";

    /// <summary>Dump statistics (protobuf <c>StatsEntry</c>: freezing, frozen, memdump and memwrite times, page counts).</summary>
    public const string DumpStats = "stats-dump";

    /// <summary>Restore statistics (protobuf <c>StatsEntry</c>).</summary>
    public const string RestoreStats = "stats-restore";

    /// <summary>Whether <paramref name="fileName"/> is a memory page image (<c>pages-N.img</c>), the bulk of a dump.</summary>
    public static bool IsPagesImage(string fileName) => HasNumberedForm(fileName, PagesPrefix);

    /// <summary>Whether <paramref name="fileName"/> is a page-map image (<c>pagemap-PID.img</c>).</summary>
    public static bool IsPageMapImage(string fileName) => HasNumberedForm(fileName, PageMapPrefix);

    /// <summary>Whether <paramref name="fileName"/> is a shared-memory page-map image (<c>pagemap-shmem-ID.img</c>).</summary>
    public static bool IsShmemPageMapImage(string fileName) => HasNumberedForm(fileName, ShmemPageMapPrefix);

    /// <summary>Whether <paramref name="fileName"/> is any page-map image, of a task or of shared memory: both have the same format.</summary>
    public static bool IsAnyPageMapImage(string fileName) => IsPageMapImage(fileName) || IsShmemPageMapImage(fileName);

    /// <summary>The pages image a pagemap's head names: <c>pages-K.img</c>.</summary>
    public static string PagesFileName(uint pagesId) =>
        PagesPrefix + pagesId.ToString(System.Globalization.CultureInfo.InvariantCulture) + ImageSuffix;

    /// <summary>Whether <paramref name="fileName"/> is a per-task core image (<c>core-PID.img</c>).</summary>
    public static bool IsCoreImage(string fileName) => HasNumberedForm(fileName, CorePrefix);

    /// <summary>Whether <paramref name="fileName"/> is one of CRIU's <c>*.img</c> files.</summary>
    public static bool IsImage(string fileName) =>
        Path.GetFileName(fileName).EndsWith(ImageSuffix, StringComparison.Ordinal);

    /// <summary>Whether <paramref name="fileName"/> is a log or statistics file rather than state needed to restore.</summary>
    public static bool IsLogOrStats(string fileName) =>
        Path.GetFileName(fileName) is DumpLog or RestoreLog or DumpStats or RestoreStats
        || Path.GetFileName(fileName).EndsWith(".log", StringComparison.Ordinal);

    /// <summary>
    /// Whether a directory holds what a restore needs at the least (<see cref="Inventory"/>, <see cref="ProcessTree"/>
    /// and a core image); a cheap completeness check, not a verification.
    /// </summary>
    public static bool LooksComplete(string imagesDirectory)
    {
        if (!Directory.Exists(imagesDirectory))
        {
            return false;
        }
        return File.Exists(Path.Combine(imagesDirectory, Inventory))
               && File.Exists(Path.Combine(imagesDirectory, ProcessTree))
               && Directory.EnumerateFiles(imagesDirectory, CorePrefix + "*" + ImageSuffix).Any();
    }

    private static bool HasNumberedForm(string fileName, string prefix)
    {
        var name = Path.GetFileName(fileName);
        if (!name.StartsWith(prefix, StringComparison.Ordinal) || !name.EndsWith(ImageSuffix, StringComparison.Ordinal))
        {
            return false;
        }
        var middle = name.AsSpan(prefix.Length, name.Length - prefix.Length - ImageSuffix.Length);
        return !middle.IsEmpty && !middle.ContainsAnyExceptInRange('0', '9');
    }
}
