using Cryo.Contracts.Agent.V1;
using static Cryo.Operator.Tests.Reconciling.SinglePassHarness;

namespace Cryo.Operator.Tests.Checkpoints;

/// <summary>
/// Single passes over Checkpoints whose images were pulled to other nodes (per-node storage): a succeeded pull records
/// the node in <c>status.copies</c>, and deleting the Checkpoint deletes the images on every node that holds them.
/// </summary>
public sealed class PulledCopiesPassTests : IAsyncLifetime
{
    private const string Target = "node-2";

    private SinglePassHarness cluster = null!;

    public async Task InitializeAsync() => cluster = await SinglePassHarness.StartAsync();

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Pull_Should_RecordTheTargetNodeOnTheCheckpointAndOnTheParentsItBrought_When_AnIncrementIsPulled()
    {
        // Arrange: web-2, an increment of web-1, both taken on node-1; node-2's agent lacks both and pulls the parent with it.
        cluster.Locator.Nodes.Add(Target);
        var web = await cluster.Kubelet.RunPodAsync(Ns, "web", Node);
        await TakenAsync("web-1", web, parent: null);
        await TakenAsync("web-2", web, parent: "web-1");

        // Act: the restore finds nothing and pulls; the pass after the pull takes its outcome; the restore.
        var pulled = await RestoreThroughAPullAsync("web-2", new PullCheckpointResult { BytesReceived = 1024, ParentsPulled = 1 });
        await cluster.PassAsync(cluster.Restores, "copy-1");

        // Assert
        Assert.Equal(ReconcileResult.Continue, pulled.Result);
        Assert.Equal([Target], (await cluster.GetCheckpointAsync("web-2")).Status!.Copies);
        Assert.Equal([Target], (await cluster.GetCheckpointAsync("web-1")).Status!.Copies);
        Assert.Equal(Phase.Succeeded, (await cluster.GetRestoreAsync("copy-1")).Status!.Phase);
    }

    [Fact]
    public async Task Pull_Should_RecordNoCopy_When_TheTargetsAgentAnswersThatItFoundTheOriginal()
    {
        // Arrange: node-2's agent first said it lacked web-1, then found it where node-1's agent committed it (a store both mount).
        cluster.Locator.Nodes.Add(Target);
        var web = await cluster.Kubelet.RunPodAsync(Ns, "web", Node);
        await TakenAsync("web-1", web, parent: null);

        // Act: the restore finds nothing and pulls; the pass after the pull takes its outcome.
        var pulled = await RestoreThroughAPullAsync("web-1", new PullCheckpointResult { AlreadyPresent = true, Original = true });

        // Assert: restored on, with no copy on node-2 for the Checkpoint's deletion to delete (the original) and wait for.
        Assert.Equal(ReconcileResult.Continue, pulled.Result);
        Assert.Empty((await cluster.GetCheckpointAsync("web-1")).Status!.Copies ?? []);
        Assert.Contains("holds Checkpoint web-1 already", (await cluster.GetRestoreAsync("copy-1")).Status!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_Should_DeleteTheCopiesThenTheSource_ChildBeforeParent_When_AChainWasPulled()
    {
        // Arrange: both links of a chain were pulled to node-2.
        cluster.Locator.Nodes.Add(Target);
        var web = await cluster.Kubelet.RunPodAsync(Ns, "web", Node);
        await TakenAsync("web-1", web, parent: null, copies: [Target]);
        await TakenAsync("web-2", web, parent: "web-1", copies: [Target]);

        // Act: the parent first (it waits for its child), then the child, then the parent again.
        await DeleteAsync("web-1");
        var held = await cluster.PassAsync(cluster.Checkpoints, "web-1");
        var deletesWhileHeld = cluster.Agent.DeletedOn.Count;
        await DeleteAsync("web-2");
        await cluster.PassAsync(cluster.Checkpoints, "web-2");
        await cluster.PassAsync(cluster.Checkpoints, "web-1");

        // Assert: on each node as on the source, an increment's images go before its parent's.
        Assert.Equal(ReconcileResult.After(TimeSpan.FromSeconds(10)), held.Result);
        Assert.Equal(0, deletesWhileHeld);
        Assert.Equal([(Target, "web-2"), (Node, "web-2"), (Target, "web-1"), (Node, "web-1")], cluster.Agent.DeletedOn);
        Assert.Empty(await cluster.CheckpointsAsync());
        Assert.Contains(await cluster.EventsAsync("web-2"), e => e.Reason == ConditionReasons.ImagesDeleted && e.Message.Contains($"on node {Target}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Deleting_Should_PassOverTheCopy_AndSaySo_When_ItsNodeIsGone()
    {
        // Arrange: node-2 held a copy and is gone from the cluster (no Node, no agent).
        var web = await cluster.Kubelet.RunPodAsync(Ns, "web", Node);
        await TakenAsync("web-1", web, parent: null, copies: [Target]);

        // Act
        await DeleteAsync("web-1");
        var pass = await cluster.PassAsync(cluster.Checkpoints, "web-1");

        // Assert: the source's images deleted, the finalizer gone at once, and an Event naming the node.
        Assert.Equal(ReconcileResult.Done, pass.Result);
        await AssertGoneFromTheSourceOnlyWarningAsync(ConditionReasons.NodeGone, $"node {Target} is gone");
    }

    [Fact]
    public async Task Deleting_Should_WaitForTheCopysAgent_ThenSkipItWithAWarning_When_NoAgentRunsOnItsNodeForThePatience()
    {
        // Arrange: node-2 is in the cluster, but no agent runs there.
        await cluster.Client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = Target } });
        var web = await cluster.Kubelet.RunPodAsync(Ns, "web", Node);
        await TakenAsync("web-1", web, parent: null, copies: [Target]);

        // Act: a pass while the agent is missing; a pass just before the patience ends; one after.
        await DeleteAsync("web-1");
        var waiting = await cluster.PassAsync(cluster.Checkpoints, "web-1");
        var held = await cluster.GetCheckpointAsync("web-1");
        cluster.Clock.Advance(cluster.Settings.CopyDeletionPatience - TimeSpan.FromSeconds(1));
        var stillWaiting = await cluster.PassAsync(cluster.Checkpoints, "web-1");
        var deletesBeforePatience = cluster.Agent.DeletedOn.Count;
        cluster.Clock.Advance(TimeSpan.FromSeconds(1));
        var skipped = await cluster.PassAsync(cluster.Checkpoints, "web-1");

        // Assert: it waited, saying for what, without touching the source; then it skipped the copy and finished.
        Assert.Equal((ReconcileResult.Retry, ReconcileResult.Retry), (waiting.Result, stillWaiting.Result));
        Assert.Equal(0, deletesBeforePatience);
        Assert.Equal([Target], held.Status!.Copies);
        var condition = held.Status.Conditions!.Single(c => c.Type == ConditionTypes.CopiesDeleted);
        Assert.Equal(ConditionStatus.False, condition.Status);
        Assert.Contains($"node {Target}", condition.Message, StringComparison.Ordinal);
        Assert.Equal(ReconcileResult.Done, skipped.Result);
        await AssertGoneFromTheSourceOnlyWarningAsync(ConditionReasons.CopySkipped, $"the copy on node {Target} was not deleted");
    }

    [Fact]
    public async Task Deleting_Should_ForgetTheDeletedCopies_AndAskOnlyTheRestAgain_When_OneNodesAgentIsUnreachable()
    {
        // Arrange: copies on node-2 (its agent answers) and node-3 (in the cluster, its agent not running yet).
        cluster.Locator.Nodes.Add(Target);
        await cluster.Client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "node-3" } });
        var web = await cluster.Kubelet.RunPodAsync(Ns, "web", Node);
        await TakenAsync("web-1", web, parent: null, copies: [Target, "node-3"]);

        // Act
        await DeleteAsync("web-1");
        var first = await cluster.PassAsync(cluster.Checkpoints, "web-1");
        var waiting = await cluster.GetCheckpointAsync("web-1");
        cluster.Locator.Nodes.Add("node-3");
        var second = await cluster.PassAsync(cluster.Checkpoints, "web-1");

        // Assert: node-2's copy left the list once deleted; the retry asked node-3 and the source only.
        Assert.Equal(ReconcileResult.Retry, first.Result);
        Assert.Equal(["node-3"], waiting.Status!.Copies);
        Assert.Equal(ReconcileResult.Done, second.Result);
        Assert.Equal([(Target, "web-1"), ("node-3", "web-1"), (Node, "web-1")], cluster.Agent.DeletedOn);
        Assert.Empty(await cluster.CheckpointsAsync());
    }

    /// <summary>A Checkpoint of <paramref name="pod"/> that Succeeded on its node, with the finalizer its reconciler adds.</summary>
    private async Task TakenAsync(string name, V1Pod pod, string? parent, IList<string>? copies = null)
    {
        var created = await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync<Checkpoint>(new Checkpoint
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Ns, Finalizers = [CryoNames.CheckpointImagesFinalizer] },
            Spec = new CheckpointSpec { PodName = pod.Metadata.Name, ParentCheckpoint = parent },
        }, CryoNames.Group, CryoNames.Version, Ns, Checkpoint.Plural);
        created.Status = SucceededStatus(name, pod);
        created.Status.Parent = parent;
        created.Status.Copies = copies;
        await cluster.Client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<Checkpoint>(created, CryoNames.Group, CryoNames.Version, Ns, Checkpoint.Plural, name);
    }

    private Task DeleteAsync(string name) =>
        cluster.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(CryoNames.Group, CryoNames.Version, Ns, Checkpoint.Plural, name);

    /// <summary>
    /// web-1's images were deleted on its own node only, the Checkpoint is gone, and one Warning Event for
    /// <paramref name="reason"/> says <paramref name="saying"/>: a copy that could not be deleted was skipped out loud.
    /// </summary>
    private async Task AssertGoneFromTheSourceOnlyWarningAsync(string reason, string saying)
    {
        Assert.Equal([(Node, "web-1")], cluster.Agent.DeletedOn);
        Assert.Empty(await cluster.CheckpointsAsync());
        var warning = Assert.Single(await cluster.EventsAsync("web-1"), e => e.Reason == reason);
        Assert.Equal("Warning", warning.Type);
        Assert.Contains(saying, warning.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Restore copy-1 of <paramref name="checkpoint"/> into a new pod on node-2, whose agent lacks it and answers the pull
    /// with <paramref name="answer"/>: its passes up to the one that takes that answer, which it returns.
    /// </summary>
    private async Task<ReconcilePass> RestoreThroughAPullAsync(string checkpoint, PullCheckpointResult answer)
    {
        cluster.Agent.Missing.Add((Target, $"{Ns}/{checkpoint}"));
        cluster.Agent.HoldPulls().SetResult(answer);
        await cluster.RestoreAsync("copy-1", new RestoreSpec { CheckpointName = checkpoint, NewPod = new NewPodTarget { NodeName = Target } });
        await cluster.PassAsync(cluster.Restores, "copy-1");
        await cluster.Kubelet.StartAsync(await cluster.GetPodAsync("copy-1"));
        await cluster.PassAsync(cluster.Restores, "copy-1");
        await cluster.PullEndedAsync(Target, checkpoint);
        return await cluster.PassAsync(cluster.Restores, "copy-1");
    }
}
