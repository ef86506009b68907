namespace Cryo.Operator.Tests.Hosting;

/// <summary>
/// A client-side handler that holds the requests <paramref name="holds"/> selects until <see cref="Release"/>, deaf to
/// their cancellation meanwhile (as a request stuck in a slow network stack is): what keeps a reconcile pass in flight
/// for as long as a test needs.
/// </summary>
internal sealed class HeldRequests(Func<HttpRequestMessage, bool> holds) : DelegatingHandler
{
    private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource holding = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once a request is being held.</summary>
    public Task Holding => holding.Task;

    /// <summary>Lets every held request, and every later one, through.</summary>
    public void Release() => released.TrySetResult();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (holds(request) && !released.Task.IsCompleted)
        {
            holding.TrySetResult();
            await released.Task;
        }

        return await base.SendAsync(request, cancellationToken);
    }
}
