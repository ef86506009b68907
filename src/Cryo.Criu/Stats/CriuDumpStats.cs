namespace Cryo.Criu;

/// <summary>What CRIU recorded about one dump in <c>stats-dump</c> (its <c>dump_stats_entry</c>).</summary>
/// <param name="FreezingTime">Time spent freezing the tree.</param>
/// <param name="FrozenTime">Time the tree stayed frozen: what the workload felt, also with <c>--leave-running</c>.</param>
/// <param name="MemoryDumpTime">Time spent collecting memory pages.</param>
/// <param name="MemoryWriteTime">Time spent writing pages to the images.</param>
/// <param name="PagesScanned">Pages examined.</param>
/// <param name="PagesSkippedParent">Pages left to the parent images of an incremental dump.</param>
/// <param name="PagesWritten">Pages written into <c>pages-*.img</c>.</param>
/// <param name="PagesLazy">Pages left for lazy restore.</param>
public sealed record CriuDumpStats(
    TimeSpan FreezingTime,
    TimeSpan FrozenTime,
    TimeSpan MemoryDumpTime,
    TimeSpan MemoryWriteTime,
    ulong PagesScanned,
    ulong PagesSkippedParent,
    ulong PagesWritten,
    ulong PagesLazy);
