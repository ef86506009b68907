namespace Cryo.Criu;

/// <summary>What CRIU recorded about one restore in <c>stats-restore</c> (its <c>restore_stats_entry</c>).</summary>
/// <param name="ForkingTime">Time spent recreating the process tree.</param>
/// <param name="RestoreTime">Time from start to the tree running.</param>
/// <param name="PagesCompared">Pages compared against a parent (copy-on-write sharing).</param>
/// <param name="PagesSkippedCow">Pages shared copy-on-write instead of restored.</param>
/// <param name="PagesRestored">Pages read back from the images.</param>
public sealed record CriuRestoreStats(
    TimeSpan ForkingTime,
    TimeSpan RestoreTime,
    ulong PagesCompared,
    ulong PagesSkippedCow,
    ulong PagesRestored);
