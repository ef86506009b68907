using Cryo.Contracts.Agent.V1;
using Cryo.Operator.Reconciling;
using static Cryo.Operator.Tests.Reconciling.SinglePassHarness;

namespace Cryo.Operator.Tests.Migrations;

/// <summary>
/// Single passes of a stopAndCopy Migration of pod web from <see cref="SinglePassHarness.Node"/> to node-2, with the
/// Checkpoint and Restore reconcilers and scripted agents doing their parts: every failure leaves a running copy.
/// </summary>
public sealed class MigrationPassTests : IAsyncLifetime
{
    private const string Target = "node-2";
    private static readonly MigrationSpec MoveWeb = new() { PodName = "web", NodeName = Target };

    private SinglePassHarness cluster = null!;
    private V1Pod web = null!;

    public async Task InitializeAsync()
    {
        cluster = await SinglePassHarness.StartAsync();
        cluster.Locator.Nodes.Add(Target);
        web = await cluster.Kubelet.RunPodAsync(Ns, "web", Node);
        await cluster.MigrationAsync("move", MoveWeb);
    }

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Migration_Should_StopCheckpointRestoreOnTheTarget_ThenDeleteTheOriginal_And_ReportPhasesAndDowntime()
    {
        // Act: preflight and the stopped checkpoint; the Checkpoint's passes; the Restore; its passes; done.
        var started = await cluster.PassAsync(cluster.Migrations, "move");
        var checkpointing = await cluster.GetMigrationAsync("move");
        var prepared = await cluster.GetPodAsync("web-node-2");
        await CheckpointAsync();
        var transferring = await RestoreOnTargetAsync();
        var finished = await cluster.PassAsync(cluster.Migrations, "move");
        var done = await cluster.GetMigrationAsync("move");
        var again = await cluster.PassAsync(cluster.Migrations, "move");

        // Assert: the target's agent was asked with the source node's facts before anything stopped.
        Assert.Equal(ReconcileResult.Done, started.Result);
        var (agent, preflight) = Assert.Single(cluster.Agent.PreflightCalls);
        Assert.Equal(Target, agent.NodeName);
        Assert.Equal(("4.2.1", "6.18.0", Node), (preflight.Requirements.CriuVersion, preflight.Requirements.KernelRelease, preflight.Requirements.SourceNode));
        Assert.Equal($"cpu of {Node}", preflight.Requirements.Cpuinfo.ToStringUtf8());
        Assert.Equal(MigrationPhase.Checkpointing, checkpointing.Status!.Phase);
        ConditionAssert.Has(checkpointing.Status.Conditions, ConditionTypes.PreflightPassed, ConditionStatus.True, ConditionReasons.PreflightPassed);

        // Assert: before the checkpoint, the copy's pod was made on the target with the original's labels, the Migration's
        // until its Restore comes, so that its start overlaps the dump and the transfer.
        Assert.Equal(("move", Target, "web"), (Ownership.ControllerOf(prepared.Metadata)!.Name, prepared.Spec.NodeName, prepared.Metadata.Labels["app"]));
        Assert.Equal(("move", "move"), (prepared.Metadata.Labels[CryoNames.RestoreLabel], prepared.Metadata.Labels[CryoNames.CheckpointLabel]));
        Assert.Equal("0", prepared.Spec.Containers.Single(c => c.Name == "app").Env.Single(e => e.Name == CryoNames.PlaceholderTimeoutVariable).Value);
        Assert.Equal("web-node-2", checkpointing.Status.TargetPod);
        Assert.Contains(await cluster.EventsAsync("move"), e => e.Reason == ConditionReasons.TargetPodPrepared);

        // Assert: the Checkpoint stopped the container; the Restore went to the target with the original's labels.
        var checkpoint = await cluster.GetCheckpointAsync("move");
        Assert.False(checkpoint.Spec.LeaveRunning);
        Assert.Equal(("web", "app"), (checkpoint.Spec.PodName, checkpoint.Spec.ContainerName));
        Assert.Equal("move", Assert.Single(checkpoint.Metadata.OwnerReferences).Name);
        var restore = await cluster.GetRestoreAsync("move");
        Assert.Equal(("move", "web-node-2", Target), (restore.Spec.CheckpointName, restore.Spec.NewPod!.Name, restore.Spec.NewPod.NodeName));
        Assert.Equal("web", restore.Spec.NewPod.Labels!["app"]);
        Assert.Null(restore.Spec.Lazy);
        Assert.Equal(MigrationPhase.Transferring, transferring.Status!.Phase);

        // Assert: once the copy ran, the original was deleted and the migration Completed with its figures.
        Assert.Equal(ReconcileResult.Done, finished.Result);
        Assert.Equal(MigrationPhase.Completed, done.Status!.Phase);
        ConditionAssert.Has(done.Status.Conditions, ConditionTypes.Ready, ConditionStatus.True, ConditionReasons.Migrated);
        // Deleted as the kubelet is asked to: gracefully (the API server marks it; the kubelet stops and removes it).
        Assert.NotNull((await cluster.GetPodAsync("web")).Metadata.DeletionTimestamp);
        Assert.Null((await cluster.GetPodAsync("web-node-2")).Metadata.DeletionTimestamp);
        Assert.Equal("web", (await cluster.GetPodAsync("web-node-2")).Metadata.Labels["app"]);
        Assert.Equal((30L, 30L), (done.Status.Timings!.CheckpointingMilliseconds, done.Status.DowntimeMilliseconds - done.Status.Timings.RestoringMilliseconds - done.Status.Timings.TransferringMilliseconds));
        Assert.NotNull(done.Status.Timings.PreflightMilliseconds);
        Assert.Equal(("web-node-2", Node, Target), (done.Status.TargetPod, done.Status.SourceNode, done.Status.TargetNode));
        Assert.Contains(await cluster.EventsAsync("move"), e => e.Reason == ConditionReasons.SourcePodDeleted);
        Assert.Empty(again.Writes);
    }

    [Fact]
    public async Task Migration_Should_FailBeforeStoppingAnything_NamingTheGaps_When_TheTargetFailsThePreflight()
    {
        // Arrange: node-2's agent lacks what node-1's CRIU needs.
        cluster.Agent.PreflightAnswers[Target] = new PreflightResponse
        {
            CanRestore = false,
            Gaps =
            {
                new PreflightGap { Kind = "criu_version", Message = "CRIU 4.1.1 here is older than CRIU 4.2.1 that dumped the checkpoint on node node-1" },
                new PreflightGap { Kind = "cpu", Message = "this node's CPU lacks instruction sets the source CPU on node node-1 had" },
            },
        };

        // Act
        var pass = await cluster.PassAsync(cluster.Migrations, "move");
        var failed = await cluster.GetMigrationAsync("move");

        // Assert: Failed with each gap named; no Checkpoint, no agent call that stops anything, the pod untouched.
        Assert.Equal(ReconcileResult.Done, pass.Result);
        await AssertFailedLeavingThePodAsync(failed, ConditionTypes.PreflightPassed, ConditionReasons.PreflightFailed,
            "CRIU 4.1.1 here is older", "lacks instruction sets", "nothing was stopped");
        Assert.Empty(await cluster.CheckpointsAsync());
        Assert.Empty(cluster.Agent.CheckpointCalls);
    }

    [Fact]
    public async Task Migration_Should_FailAndLeaveTheOriginalRunning_When_ItsCheckpointFails()
    {
        // Arrange: the dump fails on node-1 (the agent leaves the workload running).
        await cluster.PassAsync(cluster.Migrations, "move");
        cluster.Agent.Refuse(ErrorReason.CriuFailed, "criu dump failed: Can't dump half of stream unix connection");

        // Act
        await CheckpointAsync();
        cluster.Agent.Failure = null;
        var pass = await cluster.PassAsync(cluster.Migrations, "move");
        var failed = await cluster.GetMigrationAsync("move");

        // Assert
        Assert.Equal(ReconcileResult.Done, pass.Result);
        await AssertFailedLeavingThePodAsync(failed, ConditionTypes.Checkpointed, ConditionReasons.CheckpointFailed,
            "left running on node node-1", "half of stream unix connection");
        Assert.Empty(cluster.Agent.RestoreCalls);
    }

    [Fact]
    public async Task Migration_Should_RestoreTheCheckpointOnTheSourceNode_When_TheRestoreOnTheTargetFails()
    {
        // Arrange: the container was stopped and checkpointed; the restore on node-2 fails.
        await cluster.PassAsync(cluster.Migrations, "move");
        await CheckpointAsync();
        cluster.Agent.Refuse(ErrorReason.CriuFailed, "criu restore failed: Can't open file tmp/www on restore");
        await RestoreOnTargetAsync();
        cluster.Agent.Failure = null;

        // Act: the migration notices, restores in place; that Restore's passes; the migration's last pass.
        var noticed = await cluster.PassAsync(cluster.Migrations, "move");
        var inPlace = await cluster.GetMigrationAsync("move");
        var fallback = await cluster.GetRestoreAsync("move-in-place");
        await cluster.PassAsync(cluster.Restores, "move-in-place");
        await cluster.Kubelet.StartAsync(await cluster.GetPodAsync("web-move-in-place"));
        await cluster.PassAsync(cluster.Restores, "move-in-place");
        await cluster.PassAsync(cluster.Migrations, "move");
        var failed = await cluster.GetMigrationAsync("move");

        // Assert: a copy runs on node-1 from the checkpoint; the original pod went only once it did.
        Assert.Equal(ReconcileResult.Done, noticed.Result);
        Assert.Equal(MigrationPhase.Restoring, inPlace.Status!.Phase);
        ConditionAssert.Has(inPlace.Status.Conditions, ConditionTypes.Restored, ConditionStatus.False, ConditionReasons.RestoringInPlace);
        Assert.Equal((Node, "web"), (fallback.Spec.NewPod!.NodeName, fallback.Spec.NewPod.Labels!["app"]));
        Assert.Equal(MigrationPhase.Failed, failed.Status!.Phase);
        ConditionAssert.Has(failed.Status.Conditions, ConditionTypes.Ready, ConditionStatus.False, ConditionReasons.RestoredInPlace);
        Assert.Contains("runs again on node node-1 as pod web-move-in-place", failed.Status.Message, StringComparison.Ordinal);
        Assert.Equal(Phase.Succeeded, (await cluster.GetRestoreAsync("move-in-place")).Status!.Phase);
        Assert.NotNull((await cluster.GetPodAsync("web")).Metadata.DeletionTimestamp);
        Assert.Equal(Node, (await cluster.GetPodAsync("web-move-in-place")).Spec.NodeName);
    }

    [Fact]
    public async Task Migration_Should_WaitForItsRestore_When_APassComesBeforeTheRestoreHasAStatus()
    {
        // Arrange: the pass that created the Restore wrote the Migration's status, whose watch event brings the next
        // pass at once, before the Restore's reconciler wrote anything.
        await cluster.PassAsync(cluster.Migrations, "move");
        await CheckpointAsync();

        // Act
        var early = await cluster.PassAsync(cluster.Migrations, "move");
        var migration = await cluster.GetMigrationAsync("move");

        // Assert: a Restore without a phase has not failed: no restore in place, the Migration still on its way.
        Assert.Equal(ReconcileResult.Done, early.Result);
        Assert.Empty(early.Writes);
        Assert.Equal(MigrationPhase.Transferring, migration.Status!.Phase);
        Assert.Null(migration.Status.FallbackRestoreName);
        var missing = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => cluster.GetRestoreAsync("move-in-place"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.Response.StatusCode);
    }

    [Fact]
    public async Task Migration_Should_WaitForTheRestoreInPlace_When_APassComesBeforeThatRestoreHasAStatus()
    {
        // Arrange: the restore on node-2 failed and the Migration created the Restore in place, not yet reconciled.
        await cluster.PassAsync(cluster.Migrations, "move");
        await CheckpointAsync();
        cluster.Agent.Failure = (agent, method) => new AgentOperationFailedException(agent, method, StatusCode.FailedPrecondition, ErrorReason.CriuFailed,
            "criu restore failed", null);
        await RestoreOnTargetAsync();
        cluster.Agent.Failure = null;
        await cluster.PassAsync(cluster.Migrations, "move");

        // Act
        var early = await cluster.PassAsync(cluster.Migrations, "move");
        var migration = await cluster.GetMigrationAsync("move");

        // Assert: still restoring in place, not Failed for a Restore "deleted".
        Assert.Empty(early.Writes);
        Assert.Equal(MigrationPhase.Restoring, migration.Status!.Phase);
        ConditionAssert.Has(migration.Status.Conditions, ConditionTypes.Restored, ConditionStatus.False, ConditionReasons.RestoringInPlace);
    }

    [Fact]
    public async Task Migration_Should_MoveToTheFirstReadyMatchingNodeWithAnAgent_OtherThanTheSource_When_ItSelectsTheTargetByLabels()
    {
        // Arrange: the source and five nodes of which only node-5 is Ready, labelled, schedulable and runs an agent.
        var ssd = new Dictionary<string, string> { ["disk"] = "ssd" };
        cluster.Locator.Nodes.UnionWith(["node-3", "node-4", "node-5"]);
        await NodeAsync(Node, ssd, ready: true);
        await NodeAsync("node-2", new Dictionary<string, string> { ["disk"] = "hdd" }, ready: true);
        await NodeAsync("node-3", ssd, ready: false);
        await NodeAsync("node-4", ssd, ready: true, unschedulable: true);
        await NodeAsync("node-6", ssd, ready: true); // no agent runs there
        await NodeAsync("node-5", ssd, ready: true);
        await cluster.MigrationAsync("pick", new MigrationSpec { PodName = "web", NodeSelector = ssd });

        // Act
        var pass = await cluster.PassAsync(cluster.Migrations, "pick");
        var started = await cluster.GetMigrationAsync("pick");

        // Assert: node-5 was asked and recorded, before the checkpoint that stops anything.
        Assert.Equal(ReconcileResult.Done, pass.Result);
        Assert.Equal(("node-5", MigrationPhase.Checkpointing), (started.Status!.TargetNode, started.Status.Phase));
        Assert.Equal("node-5", Assert.Single(cluster.Agent.PreflightCalls).Agent.NodeName);
        ConditionAssert.Has(started.Status.Conditions, ConditionTypes.PreflightPassed, ConditionStatus.True, ConditionReasons.PreflightPassed);
    }

    [Fact]
    public async Task Migration_Should_FailBeforeStoppingAnything_When_NoReadyNodeButTheSourceMatchesItsNodeSelector()
    {
        // Arrange: the only Ready node with the label is the pod's own; the other one is not Ready.
        var gpu = new Dictionary<string, string> { ["gpu"] = "h200" };
        await NodeAsync(Node, gpu, ready: true);
        await NodeAsync(Target, gpu, ready: false);
        await cluster.MigrationAsync("nowhere", new MigrationSpec { PodName = "web", NodeSelector = gpu });

        // Act
        var pass = await cluster.PassAsync(cluster.Migrations, "nowhere");
        var failed = await cluster.GetMigrationAsync("nowhere");

        // Assert: Failed, saying what was looked for; no agent asked, nothing checkpointed, the pod untouched.
        Assert.Equal(ReconcileResult.Done, pass.Result);
        await AssertFailedLeavingThePodAsync(failed, ConditionTypes.PreflightPassed, ConditionReasons.NoTargetNode,
            "no node with the labels gpu=h200 is Ready", "nothing was stopped");
        Assert.Empty(cluster.Agent.PreflightCalls);
        Assert.Empty(await cluster.CheckpointsAsync());
    }

    [Fact]
    public async Task Migration_Should_Fail_WithoutAnAgentCall_When_ThePodRunsOnTheTargetNodeAlready()
    {
        // Arrange
        await cluster.MigrationAsync("stay", new MigrationSpec { PodName = "web", NodeName = Node });

        // Act
        await cluster.PassAsync(cluster.Migrations, "stay");
        var failed = await cluster.GetMigrationAsync("stay");

        // Assert
        Assert.Equal(MigrationPhase.Failed, failed.Status!.Phase);
        ConditionAssert.Has(failed.Status.Conditions, ConditionTypes.Ready, ConditionStatus.False, ConditionReasons.SameNode);
        Assert.Empty(cluster.Agent.PreflightCalls);
    }

    [Fact]
    public async Task Precopy_Should_TransferALiveCheckpointFirst_ThenStopOnlyForAnIncrementOfIt_AndComplete()
    {
        // Arrange
        await cluster.MigrationAsync("hop", new MigrationSpec { PodName = "web", NodeName = Target, Mode = MigrationMode.Precopy });

        // Act: the live checkpoint; its pull to node-2; the final checkpoint; the restore.
        await cluster.PassAsync(cluster.Migrations, "hop");
        await cluster.PassAsync(cluster.Checkpoints, "hop-live");
        await cluster.PassAsync(cluster.Checkpoints, "hop-live");
        var pulling = await cluster.PassAsync(cluster.Migrations, "hop");
        var prepared = await cluster.GetPodAsync("web-node-2");
        await cluster.Kubelet.StartAsync(prepared); // node-2's kubelet starts it while the pull runs
        await Eventually.TrueAsync(() => cluster.Agent.PullCalls.Count == 1, "the pull reaches node-2's agent");
        var dumpsBeforeThePull = cluster.Agent.CheckpointCalls.Count;
        await Eventually.TrueAsync(async () => (await cluster.PassAsync(cluster.Migrations, "hop")).Result == ReconcileResult.Done, "the pull ends");
        var final = await cluster.GetCheckpointAsync("hop");
        await cluster.PassAsync(cluster.Checkpoints, "hop");
        await cluster.PassAsync(cluster.Checkpoints, "hop");
        await cluster.PassAsync(cluster.Migrations, "hop");
        var restoring = await cluster.PassAsync(cluster.Restores, "hop");
        var copy = await cluster.GetPodAsync("web-node-2");
        await cluster.PassAsync(cluster.Migrations, "hop");
        var done = await cluster.GetMigrationAsync("hop");

        // Assert: the live checkpoint left the workload running and went to node-2 before anything stopped.
        Assert.True((await cluster.GetCheckpointAsync("hop-live")).Spec.LeaveRunning);
        Assert.Equal(ReconcileResult.After(cluster.Settings.TransferRecheckInterval), pulling.Result);
        var (agent, pull) = Assert.Single(cluster.Agent.PullCalls);
        Assert.Equal((Target, "hop-live", Node), (agent.NodeName, pull.Checkpoint.Name, pull.SourceNode));
        Assert.Equal(1, dumpsBeforeThePull);

        // Assert: the copy's pod, made on node-2 before the live checkpoint and started by its kubelet while the pull ran,
        // was taken over by the Restore, which restored into it in its first pass, with no pod start to wait for.
        Assert.Equal(("hop", "hop"), (Ownership.ControllerOf(prepared.Metadata)!.Name, prepared.Metadata.Labels[CryoNames.CheckpointLabel]));
        Assert.Equal((prepared.Metadata.Uid, "Restore", "hop"), (copy.Metadata.Uid, Ownership.ControllerOf(copy.Metadata)!.Kind, Ownership.ControllerOf(copy.Metadata)!.Name));
        Assert.Equal(Phase.Succeeded, (await cluster.GetRestoreAsync("hop")).Status!.Phase);
        Assert.Equal(ReconcileResult.Done, restoring.Result);

        // Assert: the final checkpoint is an increment of it that stops the container; the restore reads it on node-2.
        Assert.Equal(("hop-live", false), (final.Spec.ParentCheckpoint, final.Spec.LeaveRunning));
        Assert.Equal([true, false], cluster.Agent.CheckpointCalls.Select(c => c.Options.LeaveRunning));
        // Eagerly, as stop-and-copy: the copy must not depend on a page server once the original is gone.
        Assert.Equal(("hop", null), ((await cluster.GetRestoreAsync("hop")).Spec.CheckpointName, (await cluster.GetRestoreAsync("hop")).Spec.Lazy));
        Assert.Equal(MigrationPhase.Completed, done.Status!.Phase);
        Assert.Equal(("hop-live", "hop"), (done.Status.PrecopyCheckpointName, done.Status.CheckpointName));
        Assert.NotNull(done.Status.Timings!.PrecopyMilliseconds);
        Assert.NotNull(done.Status.DowntimeMilliseconds);
        Assert.NotNull((await cluster.GetPodAsync("web")).Metadata.DeletionTimestamp);
    }

    [Fact]
    public async Task Precopy_Should_FailWithoutStoppingTheWorkload_When_TheLiveCheckpointsTransferFails()
    {
        // Arrange: node-2's agent finds node-1's copy corrupted.
        await cluster.MigrationAsync("hop", new MigrationSpec { PodName = "web", NodeName = Target, Mode = MigrationMode.Precopy });
        var outcome = cluster.Agent.HoldPulls();
        await cluster.PassAsync(cluster.Migrations, "hop");
        await cluster.PassAsync(cluster.Checkpoints, "hop-live");
        await cluster.PassAsync(cluster.Checkpoints, "hop-live");

        // Act
        await cluster.PassAsync(cluster.Migrations, "hop");
        await Eventually.TrueAsync(() => cluster.Agent.PullCalls.Count == 1, "the pull reaches node-2's agent");
        outcome.SetException(new AgentOperationFailedException(cluster.Agent.PullCalls[0].Agent, "PullCheckpoint", StatusCode.FailedPrecondition,
            ErrorReason.CheckpointCorrupted, "chunk 2 of pages-1.img failed its SHA-256 twice", null));
        await Eventually.TrueAsync(async () => (await cluster.PassAsync(cluster.Migrations, "hop")).Result == ReconcileResult.Done, "the pull's end is taken");
        var failed = await cluster.GetMigrationAsync("hop");

        // Assert: Failed, with the workload never stopped: one live dump, no final checkpoint, the pod untouched.
        Assert.Equal(MigrationPhase.Failed, failed.Status!.Phase);
        ConditionAssert.Has(failed.Status.Conditions, ConditionTypes.Ready, ConditionStatus.False, ConditionReasons.TransferFailed);
        Assert.Contains("left running", failed.Status.Message, StringComparison.Ordinal);
        Assert.Contains("failed its SHA-256 twice", failed.Status.Message, StringComparison.Ordinal);
        Assert.Equal([true], cluster.Agent.CheckpointCalls.Select(c => c.Options.LeaveRunning));
        Assert.DoesNotContain(await cluster.CheckpointsAsync(), c => c.Metadata.Name == "hop");
        Assert.Null((await cluster.GetPodAsync("web")).Metadata.DeletionTimestamp);

        // Assert: the pod made in advance for the copy is deleted, since no copy comes to it.
        Assert.NotNull((await cluster.GetPodAsync("web-node-2")).Metadata.DeletionTimestamp);
        Assert.Contains(await cluster.EventsAsync("hop"), e => e.Reason == ConditionReasons.TargetPodDeleted);
    }

    [Fact]
    public async Task Migration_Should_FailBeforeStoppingAnything_When_APodOfTheCopysNameIsNotTheMigrations()
    {
        // Arrange: someone else's pod holds the name the copy's pod would take.
        await cluster.Kubelet.RunPodAsync(Ns, "web-node-2", Target);

        // Act
        await cluster.PassAsync(cluster.Migrations, "move");
        var failed = await cluster.GetMigrationAsync("move");

        // Assert: Failed with the workload never stopped (no Checkpoint made), and the other pod left alone.
        await AssertFailedLeavingThePodAsync(failed, ConditionTypes.PodReady, ConditionReasons.PodNameTaken, "web-node-2", "left running");
        Assert.Empty(cluster.Agent.CheckpointCalls);
        Assert.Empty(await cluster.CheckpointsAsync());
        Assert.Null((await cluster.GetPodAsync("web-node-2")).Metadata.DeletionTimestamp);
    }

    [Fact]
    public async Task Precopy_Should_RecordNoCopyOnTheTarget_When_ItsAgentFoundTheOriginalInTheStoreItShares()
    {
        // Arrange: node-2's agent mounts the store node-1's committed the live checkpoint in (storage mode "shared").
        cluster.Agent.HoldPulls().SetResult(new PullCheckpointResult { AlreadyPresent = true, Original = true });

        // Act
        var copies = await LiveCheckpointCopiesAfterItsPullAsync();

        // Assert: deleting hop-live must not ask node-2's agent to delete "its copy", the original's very directory.
        Assert.Empty(copies ?? []);
    }

    [Fact]
    public async Task Precopy_Should_RecordTheCopyOnTheTarget_When_ItsAgentFoundOneAnEarlierPullLeft()
    {
        // Arrange: node-2's agent pulled it before, in a pass that did not get to record it (per-node storage).
        cluster.Agent.HoldPulls().SetResult(new PullCheckpointResult { AlreadyPresent = true });

        // Act
        var copies = await LiveCheckpointCopiesAfterItsPullAsync();

        // Assert
        Assert.Equal([Target], copies);
    }

    /// <summary>Runs precopy Migration hop until its live checkpoint was pulled to node-2: that Checkpoint's copies then.</summary>
    private async Task<IList<string>?> LiveCheckpointCopiesAfterItsPullAsync()
    {
        await cluster.MigrationAsync("hop", new MigrationSpec { PodName = "web", NodeName = Target, Mode = MigrationMode.Precopy });
        await cluster.PassAsync(cluster.Migrations, "hop");
        await cluster.PassAsync(cluster.Checkpoints, "hop-live");
        await cluster.PassAsync(cluster.Checkpoints, "hop-live");
        await cluster.PassAsync(cluster.Migrations, "hop");
        await Eventually.TrueAsync(async () => (await cluster.PassAsync(cluster.Migrations, "hop")).Result == ReconcileResult.Done, "the pull ends");
        Assert.Equal("hop-live", Assert.Single(cluster.Agent.PullCalls).Request.Checkpoint.Name);
        return (await cluster.GetCheckpointAsync("hop-live")).Status!.Copies;
    }

    /// <summary>
    /// <paramref name="failed"/> ended Failed, its <paramref name="type"/> condition False for <paramref name="reason"/> and its
    /// message saying each of <paramref name="saying"/>, and the pod it was to move is still the one that ran before.
    /// </summary>
    private async Task AssertFailedLeavingThePodAsync(Migration failed, string type, string reason, params string[] saying)
    {
        Assert.Equal(MigrationPhase.Failed, failed.Status!.Phase);
        ConditionAssert.Has(failed.Status.Conditions, type, ConditionStatus.False, reason);
        foreach (var text in saying)
        {
            Assert.Contains(text, failed.Status.Message, StringComparison.Ordinal);
        }
        Assert.Equal(web.Metadata.Uid, (await cluster.GetPodAsync("web")).Metadata.Uid);
    }

    /// <summary>The migration's Checkpoint through its reconciler's passes (record, then dispatch), then the migration's pass.</summary>
    private async Task CheckpointAsync()
    {
        await cluster.PassAsync(cluster.Checkpoints, "move");
        await cluster.PassAsync(cluster.Checkpoints, "move");
        await cluster.PassAsync(cluster.Migrations, "move");
    }

    /// <summary>The migration's Restore through its passes: the pod created and started, the restore; then the migration's pass.</summary>
    private async Task<Migration> RestoreOnTargetAsync()
    {
        var transferring = await cluster.GetMigrationAsync("move");
        await cluster.PassAsync(cluster.Restores, "move");
        await cluster.Kubelet.StartAsync(await cluster.GetPodAsync("web-node-2"));
        await cluster.PassAsync(cluster.Restores, "move");
        return transferring;
    }

    // A node as the kubelet registers it: its labels, its Ready condition, cordoned or not.
    private Task<V1Node> NodeAsync(string name, Dictionary<string, string> labels, bool ready, bool unschedulable = false) =>
        cluster.Client.CoreV1.CreateNodeAsync(new V1Node
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string>(labels) { ["kubernetes.io/hostname"] = name } },
            Spec = new V1NodeSpec { Unschedulable = unschedulable },
            Status = new V1NodeStatus { Conditions = [new V1NodeCondition { Type = "Ready", Status = ready ? "True" : "False" }] },
        });
}
