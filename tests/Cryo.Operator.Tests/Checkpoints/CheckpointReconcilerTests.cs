namespace Cryo.Operator.Tests.Checkpoints;

public sealed class CheckpointReconcilerTests : IAsyncLifetime
{
    private const string Node = "node-1";
    private OperatorHarness cluster = null!;

    public async Task InitializeAsync() => cluster = await OperatorHarness.StartAsync(Node);

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    private FakeAgentEngine Agent => cluster.Agents[Node].Engine;

    [Fact]
    public async Task Checkpoint_Should_Succeed_WithNodeAndSize_AfterExactlyOneAgentCall_EvenWhenReconciledAgain()
    {
        // Arrange
        var pod = await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "web", Node);
        await cluster.StartOperatorAsync();

        // Act
        var created = await cluster.CreateCheckpointAsync("web-1", new CheckpointSpec { PodName = "web" });
        var done = await cluster.WaitForCheckpointAsync("web-1", c => c.Status?.Phase is Phase.Succeeded or Phase.Failed, "finished");
        var resyncsBefore = cluster.Api.Requests.Count(r => r.Method == "GET" && r.Path.EndsWith("/checkpoints/web-1") && r.Client == "operator-1");
        await Eventually.TrueAsync(() => cluster.Api.Requests.Count(r => r.Method == "GET" && r.Path.EndsWith("/checkpoints/web-1") && r.Client == "operator-1") > resyncsBefore,
            "a periodic resync reconciles the finished Checkpoint again");

        // Assert
        Assert.Equal(Phase.Succeeded, done.Status!.Phase);
        Assert.Equal(Node, done.Status.NodeName);
        Assert.Equal(4096, done.Status.SizeBytes);
        Assert.Equal(pod.Metadata.Uid, done.Status.PodUid);
        Assert.Equal(pod.Status.ContainerStatuses[0].ContainerID, done.Status.ContainerId);
        Assert.Equal("4.2.1", done.Status.CriuVersion);
        Assert.Equal("registry.example/app:1", done.Status.PodSpec!.Containers[0].Image);
        Assert.Contains(CryoNames.CheckpointImagesFinalizer, done.Metadata.Finalizers);
        Assert.Equal("True", done.Status.Conditions!.Single(c => c.Type == ConditionTypes.Ready).Status);
        var call = Assert.Single(Agent.CheckpointCalls);
        Assert.Equal(created.Metadata.Uid, call.OperationId);
        Assert.Equal(pod.Status.ContainerStatuses[0].ContainerID["containerd://".Length..], call.ContainerId);
        Assert.True(call.Options.LeaveRunning);
        Assert.False(call.Options.SkipRootFilesystem);
        Assert.Equal("", call.Options.Compression);
        Assert.Null(done.Status.Compression);
        Assert.Equal(1, Agent.Dumps);
        await cluster.WaitForEventAsync("web-1", e => e.Reason == ConditionReasons.CheckpointStarted && e.Type == "Normal", "started");
        await cluster.WaitForEventAsync("web-1", e => e.Reason == ConditionReasons.CheckpointSucceeded && e.Type == "Normal", "succeeded");
    }

    [Fact]
    public async Task Checkpoint_Should_AskTheAgentToSkipTheWritableLayer_When_TheSpecOptsOut()
    {
        // Arrange
        await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "web", Node);
        await cluster.StartOperatorAsync();

        // Act
        await cluster.CreateCheckpointAsync("web-1", new CheckpointSpec { PodName = "web", SkipRootFilesystem = true });
        var done = await cluster.WaitForCheckpointAsync("web-1", c => c.Status?.Phase is Phase.Succeeded or Phase.Failed, "finished");

        // Assert
        Assert.Equal(Phase.Succeeded, done.Status!.Phase);
        Assert.True(Assert.Single(Agent.CheckpointCalls).Options.SkipRootFilesystem);
    }

    [Fact]
    public async Task Checkpoint_Should_AskTheAgentToCompressAndRecordIt_When_TheSpecSaysZstd()
    {
        // Arrange
        await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "web", Node);
        await cluster.StartOperatorAsync();

        // Act
        await cluster.CreateCheckpointAsync("web-1", new CheckpointSpec { PodName = "web", Compression = CheckpointCompression.Zstd });
        var done = await cluster.WaitForCheckpointAsync("web-1", c => c.Status?.Phase is Phase.Succeeded or Phase.Failed, "finished");

        // Assert
        Assert.Equal(Phase.Succeeded, done.Status!.Phase);
        Assert.Equal("zstd", Assert.Single(Agent.CheckpointCalls).Options.Compression);
        Assert.Equal("zstd", done.Status.Compression);
        Assert.Equal(4096, done.Status.SizeBytes);
        Assert.Equal(1024, done.Status.StoredBytes);
    }

    [Fact]
    public async Task Checkpoint_Should_DumpOnce_When_OperatorRestartsMidway()
    {
        // Arrange: the agent holds the dump, so the first operator stops while the call is in flight.
        await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "web", Node);
        Agent.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = await cluster.StartOperatorAsync("operator-1");
        await cluster.CreateCheckpointAsync("web-1", new CheckpointSpec { PodName = "web" });
        await Eventually.TrueAsync(() => !Agent.CheckpointCalls.IsEmpty, "the first operator called the agent");

        // Act
        await cluster.StopOperatorAsync(first);
        await cluster.StartOperatorAsync("operator-2");
        await Eventually.TrueAsync(() => Agent.CheckpointCalls.Count >= 2, "the second operator called the agent again");
        Agent.Hold.SetResult();
        var done = await cluster.WaitForCheckpointAsync("web-1", c => c.Status?.Phase is Phase.Succeeded or Phase.Failed, "finished");

        // Assert
        Assert.Equal(Phase.Succeeded, done.Status!.Phase);
        Assert.Equal(1, Agent.Dumps);
        Assert.Single(Agent.CheckpointCalls.Select(c => c.OperationId).Distinct());
    }

    public static TheoryData<string, string, string> InvalidCheckpoints => new()
    {
        { "other-namespace", "pod-in-other", ConditionReasons.PodInOtherNamespace },
        { "missing-container", "web", ConditionReasons.ContainerNotFound },
        { "pod-not-running", "pending", ConditionReasons.PodNotRunning },
        { "pod-missing", "nobody", ConditionReasons.PodNotFound },
        { "two-containers", "duo", ConditionReasons.ContainerNameRequired },
    };

    [Theory]
    [MemberData(nameof(InvalidCheckpoints))]
    public async Task Checkpoint_Should_FailWithPreciseReason_And_NoAgentCall_When_Invalid(string name, string podName, string reason)
    {
        // Arrange
        await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "web", Node);
        await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "duo", Node, "app", "sidecar");
        await cluster.Kubelet.RunPodAsync("elsewhere", "pod-in-other", Node);
        await cluster.Kubelet.PendingPodAsync(OperatorHarness.Ns, "pending");
        await cluster.StartOperatorAsync();
        var spec = new CheckpointSpec
        {
            PodName = podName,
            PodNamespace = name == "other-namespace" ? "elsewhere" : null,
            ContainerName = name == "missing-container" ? "nosuch" : null,
        };

        // Act
        await cluster.CreateCheckpointAsync(name, spec);
        var done = await cluster.WaitForCheckpointAsync(name, c => c.Status?.Phase is Phase.Succeeded or Phase.Failed, "finished");

        // Assert
        Assert.Equal(Phase.Failed, done.Status!.Phase);
        ConditionAssert.Is(done.Status.Conditions, ConditionTypes.Ready, ConditionStatus.False, reason);
        Assert.Contains(podName, done.Status.Message);
        Assert.Empty(Agent.CheckpointCalls);
        var warning = await cluster.WaitForEventAsync(name, e => e.Type == "Warning", "warning");
        Assert.Equal(ConditionReasons.CheckpointFailed, warning.Reason);
        Assert.Contains(reason, warning.Message);
    }

    [Fact]
    public async Task Checkpoint_Should_SayAgentIsDown_RetryWithBackoff_And_SucceedOnceItIsBack()
    {
        // Arrange
        await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "web", Node);
        await cluster.Agents[Node].StopAsync();
        await cluster.StartOperatorAsync();

        // Act
        await cluster.CreateCheckpointAsync("web-1", new CheckpointSpec { PodName = "web" });
        var down = await cluster.WaitForCheckpointAsync("web-1",
            c => Conditions(c).Any(x => x is { Type: ConditionTypes.AgentReachable, Status: "False" }), "agent reported unreachable");
        var firstAttempts = AttemptTimes("web-1").Count;
        await Eventually.TrueAsync(() => AttemptTimes("web-1").Count >= firstAttempts + 5, "several retries");
        var attempts = AttemptTimes("web-1");
        await cluster.Agents[Node].RestartAsync();
        var done = await cluster.WaitForCheckpointAsync("web-1", c => c.Status?.Phase is Phase.Succeeded or Phase.Failed, "finished");

        // Assert
        var agentCondition = down.Status!.Conditions!.Single(c => c.Type == ConditionTypes.AgentReachable);
        Assert.Equal(ConditionReasons.AgentUnavailable, agentCondition.Reason);
        Assert.Equal(Phase.Running, down.Status.Phase);
        // Backoff (100 ms doubling to 1 s) spreads the retries out; only lower bounds, which load cannot break.
        var gaps = attempts.Zip(attempts.Skip(1), (a, b) => b - a).ToList();
        Assert.True(gaps.Max() >= TimeSpan.FromMilliseconds(700), $"largest gap between retries {gaps.Max()}");
        Assert.Equal(Phase.Succeeded, done.Status!.Phase);
        Assert.Equal("True", done.Status.Conditions!.Single(c => c.Type == ConditionTypes.AgentReachable).Status);
        Assert.Equal(1, Agent.Dumps);
    }

    [Fact]
    public async Task Checkpoint_Should_FailWithCriuLog_When_AgentReportsCriuFailure()
    {
        // Arrange
        await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "web", Node);
        var status = new Google.Rpc.Status { Code = (int)StatusCode.FailedPrecondition, Message = "criu dump failed with exit code 1" };
        var info = new Google.Rpc.ErrorInfo { Domain = "cryo.io", Reason = "CRIU_FAILED" };
        info.Metadata.Add("log", "Error (criu/sk-inet.c:191): Connected TCP socket, consider using --tcp-established option.");
        info.Metadata.Add("exit_code", "1");
        status.Details.Add(Google.Protobuf.WellKnownTypes.Any.Pack(info));
        Agent.FailNextCheckpoint = status.ToRpcException();
        await cluster.StartOperatorAsync();

        // Act
        await cluster.CreateCheckpointAsync("web-1", new CheckpointSpec { PodName = "web" });
        var done = await cluster.WaitForCheckpointAsync("web-1", c => c.Status?.Phase is Phase.Succeeded or Phase.Failed, "finished");

        // Assert
        Assert.Equal(Phase.Failed, done.Status!.Phase);
        Assert.Equal(ConditionReasons.CheckpointFailed, done.Status.Conditions!.Single(c => c.Type == ConditionTypes.Ready).Reason);
        Assert.Contains("--tcp-established", done.Status.Message);
        var warning = await cluster.WaitForEventAsync("web-1", e => e.Type == "Warning", "warning");
        Assert.Equal(ConditionReasons.CheckpointFailed, warning.Reason);
        Assert.Contains("consider using --tcp-established", warning.Message);
    }

    [Fact]
    public async Task StatusWrite_Should_BeRetriedAfterAFreshRead_When_ItConflicts()
    {
        // Arrange: the first status write of the operator meets a concurrent label change (a genuine 409).
        await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "web", Node);
        var other = cluster.Api.CreateClient("someone-else");
        var interfered = 0;
        cluster.Api.BeforeWrite = async (method, path) =>
        {
            if (method == "PUT" && path.EndsWith("/checkpoints/web-1/status") && Interlocked.Exchange(ref interfered, 1) == 0)
            {
                await other.CustomObjects.PatchNamespacedCustomObjectAsync(
                    new V1Patch("""{"metadata":{"labels":{"touched":"yes"}}}""", V1Patch.PatchType.MergePatch),
                    CryoNames.Group, CryoNames.Version, OperatorHarness.Ns, Checkpoint.Plural, "web-1");
            }
        };
        await cluster.StartOperatorAsync();

        // Act
        await cluster.CreateCheckpointAsync("web-1", new CheckpointSpec { PodName = "web" });
        var done = await cluster.WaitForCheckpointAsync("web-1", c => c.Status?.Phase is Phase.Succeeded or Phase.Failed, "finished");

        // Assert
        var statusWrites = cluster.Api.Requests.Where(r => r.Method == "PUT" && r.Path.EndsWith("/web-1/status")).ToList();
        Assert.Equal(409, statusWrites[0].StatusCode);
        var afterConflict = cluster.Api.Requests.SkipWhile(r => r != statusWrites[0]).Skip(1).First(r => r.Client == "operator-1");
        Assert.Equal(("GET", 200), (afterConflict.Method, afterConflict.StatusCode));
        Assert.Equal(200, statusWrites[1].StatusCode);
        Assert.Equal(Phase.Succeeded, done.Status!.Phase);
        Assert.Equal("yes", done.Metadata.Labels["touched"]);
        Assert.Equal(1, Agent.Dumps);
        other.Dispose();
    }

    [Fact]
    public async Task Deleting_Should_DeleteTheImages_ThenRemoveTheFinalizer()
    {
        // Arrange
        await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "web", Node);
        await cluster.StartOperatorAsync();
        await cluster.CreateCheckpointAsync("web-1", new CheckpointSpec { PodName = "web" });
        await cluster.WaitForCheckpointAsync("web-1", c => c.Status?.Phase is Phase.Succeeded, "succeeded");

        // Act
        await cluster.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(CryoNames.Group, CryoNames.Version, OperatorHarness.Ns, Checkpoint.Plural, "web-1");
        await Eventually.TrueAsync(async () =>
            (await cluster.Client.CustomObjects.ListNamespacedCustomObjectAsync<CheckpointList>(CryoNames.Group, CryoNames.Version, OperatorHarness.Ns, Checkpoint.Plural)).Items.Count == 0,
            "the Checkpoint is gone");

        // Assert
        var delete = Assert.Single(Agent.DeleteCalls);
        Assert.Equal((OperatorHarness.Ns, "web-1"), (delete.Checkpoint.Namespace, delete.Checkpoint.Name));
        await cluster.WaitForEventAsync("web-1", e => e.Reason == ConditionReasons.ImagesDeleted, "images deleted");
    }

    private static IEnumerable<V1Condition> Conditions(Checkpoint c) => c.Status?.Conditions ?? [];

    /// <summary>When the operator started a pass over the Checkpoint (each pass begins with a GET).</summary>
    private List<DateTime> AttemptTimes(string name) =>
        cluster.Api.Requests.Where(r => r.Method == "GET" && r.Path.EndsWith($"/checkpoints/{name}") && r.Client == "operator-1").Select(r => r.At).ToList();
}
