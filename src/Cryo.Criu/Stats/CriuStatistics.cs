namespace Cryo.Criu.Stats;

/// <summary>
/// What CRIU measured about one dump, read from the <c>stats-dump</c> file it leaves in the images
/// directory. Times are CRIU's own, so they exclude process start-up and namespace entry.
/// </summary>
/// <param name="FreezingTime">Time CRIU spent bringing the tree to a stop.</param>
/// <param name="FrozenTime">How long the tree stayed stopped: the pause the workload saw.</param>
/// <param name="MemoryDumpTime">Time spent draining memory pages out of the tasks.</param>
/// <param name="MemoryWriteTime">Time spent writing those pages to the images.</param>
/// <param name="PagesScanned">Pages CRIU looked at.</param>
/// <param name="PagesWritten">Pages written to <c>pages-*.img</c>.</param>
public sealed record DumpStatistics(
    TimeSpan FreezingTime, TimeSpan FrozenTime, TimeSpan MemoryDumpTime, TimeSpan MemoryWriteTime,
    long PagesScanned, long PagesWritten);

/// <summary>What CRIU measured about one restore, read from <c>stats-restore</c>.</summary>
/// <param name="ForkingTime">Time spent recreating the process tree.</param>
/// <param name="RestoreTime">Time from the start of the restore until the tree was resumed.</param>
/// <param name="PagesRestored">Pages read back into memory.</param>
public sealed record RestoreStatistics(TimeSpan ForkingTime, TimeSpan RestoreTime, long PagesRestored);
