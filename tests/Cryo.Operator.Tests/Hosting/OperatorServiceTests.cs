namespace Cryo.Operator.Tests.Hosting;

public sealed class OperatorServiceTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Stop_Should_WaitForTheReconcilePassInFlight_When_LeadershipEndsBeforeTheWatchesSynced()
    {
        // Arrange: the pod watch never syncs (its list is forbidden), while the Checkpoint watch did and its pass is
        // stuck in a write that does not notice cancellation.
        await using var cluster = await OperatorHarness.StartAsync("node-1");
        await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "web", "node-1");
        await cluster.CreateCheckpointAsync("web-1", new CheckpointSpec { PodName = "web" });
        cluster.Api.Deny = (method, path) => method == "GET" && path == "/api/v1/pods"
            ? "pods is forbidden: User \"operator-1\" cannot list resource \"pods\" at the cluster scope"
            : null;
        var held = new HeldRequests(request => request.Method != HttpMethod.Get && request.RequestUri!.AbsolutePath.Contains("/checkpoints/web-1", StringComparison.Ordinal));
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = cluster.Api.BaseAddress.ToString() }, held);
        var app = await cluster.StartOperatorAsync(client: client);
        await held.Holding.WaitAsync(Patience);

        // Act
#pragma warning disable CA2025 // Awaited below, once the held write is released: the point is whether it can end before.
        var stopping = cluster.StopOperatorAsync(app);
#pragma warning restore CA2025
        var stoppedWhileHeld = await Task.WhenAny(stopping, Task.Delay(TimeSpan.FromSeconds(2))) == stopping;
        held.Release();
        await stopping.WaitAsync(Patience);

        // Assert: the service ended (and disposed its work queues) only after the pass it started had ended.
        Assert.False(stoppedWhileHeld, "the operator stopped while a reconcile pass it started was still running");
    }
}
