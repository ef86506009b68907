using System.Threading.Channels;

namespace Cryo.Agent.Transfer;

/// <summary>
/// Progress for a reader that sends it on at its own pace (a response stream): reports arrive on the pull's
/// streams' threads, and only the latest one waits to be read.
/// </summary>
internal sealed class LatestProgress : IProgress<PullProgress>
{
    private readonly Channel<PullProgress> channel = Channel.CreateBounded<PullProgress>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });

    /// <summary>The reports, the latest only; complete once <see cref="Complete"/> was called.</summary>
    public ChannelReader<PullProgress> Reader => channel.Reader;

    /// <inheritdoc />
    public void Report(PullProgress value) => channel.Writer.TryWrite(value);

    /// <summary>No more reports.</summary>
    public void Complete() => channel.Writer.TryComplete();
}
