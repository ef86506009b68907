using System.Diagnostics;

namespace Cryo.Criu.Images;

/// <summary>
/// Where an <see cref="IncrementalRewriter"/>'s time went, step by step: what an increment adds to a checkpoint's time
/// is found here, not guessed (issue 14). The steps add up to the rewrite's whole time, less a few argument checks.
/// </summary>
public sealed class IncrementalRewriteSteps
{
    /// <summary>Reading and decoding the dump's pagemaps, and the parent's (each checked against the parent's index).</summary>
    public TimeSpan PageMaps { get; private set; }

    /// <summary>Comparing each page's digest with the parent's and building the new runs (no I/O).</summary>
    public TimeSpan Compare { get; private set; }

    /// <summary>
    /// Reading the pages to store and writing them into the new pages images; where no digests were given, reading and
    /// hashing every page too (comparing is then part of this step).
    /// </summary>
    public TimeSpan Copy { get; private set; }

    /// <summary>Encoding and writing the new pagemaps.</summary>
    public TimeSpan WritePageMaps { get; private set; }

    /// <summary>Flushing the new files to disk (<see cref="IncrementalRewriter.SyncFiles"/>; zero when off).</summary>
    public TimeSpan Sync { get; private set; }

    /// <summary>The <c>parent</c> link and the switch of each pagemap by a rename.</summary>
    public TimeSpan Commit { get; private set; }

    /// <summary>Moving or removing the replaced files, and making the dump's own page index.</summary>
    public TimeSpan Finish { get; private set; }

    /// <summary>
    /// Pages images whose changed pages were taken from the copy made beside the dump (<see cref="IncrementalRewriter.PreparedPages"/>):
    /// their <see cref="Copy"/> is a rename.
    /// </summary>
    public int EarlyCopiesTaken { get; private set; }

    /// <summary>Pages images copied beside the dump whose copy did not hold exactly the pages to store, and were copied again.</summary>
    public int EarlyCopiesRefused { get; private set; }

    /// <inheritdoc />
    public override string ToString() =>
        FormattableString.Invariant(
            $"pagemaps {PageMaps.TotalMilliseconds:0.0} ms, compare {Compare.TotalMilliseconds:0.0} ms, copy {Copy.TotalMilliseconds:0.0} ms, ") +
        FormattableString.Invariant(
            $"write pagemaps {WritePageMaps.TotalMilliseconds:0.0} ms, sync {Sync.TotalMilliseconds:0.0} ms, commit {Commit.TotalMilliseconds:0.0} ms, finish {Finish.TotalMilliseconds:0.0} ms") +
        (EarlyCopiesTaken + EarlyCopiesRefused == 0 ? "" : FormattableString.Invariant($"; early copies taken {EarlyCopiesTaken}, refused {EarlyCopiesRefused}"));

    internal void EarlyCopyTaken() => EarlyCopiesTaken++;

    internal void EarlyCopyRefused() => EarlyCopiesRefused++;

    private long _mark = Stopwatch.GetTimestamp();

    // Each adds the time since the last one to its step: consecutive steps are timed by one clock read each.
    internal void EndPageMaps() => PageMaps += Lap();

    internal void EndCompare() => Compare += Lap();

    internal void EndCopy() => Copy += Lap();

    internal void EndWritePageMaps() => WritePageMaps += Lap();

    internal void EndSync() => Sync += Lap();

    internal void EndCommit() => Commit += Lap();

    internal void EndFinish() => Finish += Lap();

    private TimeSpan Lap()
    {
        var now = Stopwatch.GetTimestamp();
        var elapsed = Stopwatch.GetElapsedTime(_mark, now);
        _mark = now;
        return elapsed;
    }
}
