namespace Cryo.Operator.Tests.Queue;

public class WorkQueueTests
{
    [Fact]
    public async Task Queue_Should_HandOutAKeyOnce_And_RequeueItAfterDone_When_AddedWhileProcessing()
    {
        // Arrange
        using var queue = new WorkQueue();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var key = new ObjectKey("ns", "a");
        queue.Add(key);
        queue.Add(key);

        // Act
        var first = await queue.TakeAsync(timeout.Token);
        queue.Add(key);
        var depthWhileProcessing = queue.Depth;
        queue.Done(first);
        var second = await queue.TakeAsync(timeout.Token);

        // Assert
        Assert.Equal(key, first);
        Assert.Equal(0, depthWhileProcessing);
        Assert.Equal(key, second);
        Assert.Equal(0, queue.Depth);
    }

    [Fact]
    public void Backoff_Should_Double_UpToTheCap_And_ResetOnForget()
    {
        // Arrange
        var backoff = new ExponentialBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500));
        var key = new ObjectKey("ns", "a");

        // Act
        var delays = Enumerable.Range(0, 5).Select(_ => backoff.NextDelay(key).TotalMilliseconds).ToList();
        backoff.Forget(key);

        // Assert
        Assert.Equal([100, 200, 400, 500, 500], delays);
        Assert.Equal(100, backoff.NextDelay(key).TotalMilliseconds);
    }
}
