using System.Text.RegularExpressions;
using static Cryo.Operator.Tests.Reconciling.SinglePassHarness;

namespace Cryo.Operator.Tests.RestoreSets;

/// <summary>Single passes of the RestoreSet reconciler: given these objects, this pass makes, hands over and removes these, and writes this status.</summary>
public sealed partial class RestoreSetPassTests : IAsyncLifetime
{
    private SinglePassHarness cluster = null!;
    private V1Pod web = null!;

    public async Task InitializeAsync()
    {
        cluster = await SinglePassHarness.StartAsync();
        web = await cluster.Kubelet.RunPodAsync(Ns, "web", Node);
        await cluster.SucceededCheckpointAsync("web-1", web);
    }

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Pass_Should_MakeTheMissingCopiesInNewPods_AndHandEachToItsRestore_And_ASecondPassWritesNothing()
    {
        // Arrange
        var set = await cluster.RestoreSetAsync("ci", new RestoreSetSpec { CheckpointName = "web-1", Replicas = 2 });

        // Act
        var pass = await cluster.PassAsync(cluster.RestoreSets, "ci");
        var status = (await cluster.GetRestoreSetAsync("ci")).Status!;
        var again = await cluster.PassAsync(cluster.RestoreSets, "ci");

        // Assert: per copy a pod, its Restore, the hand-over and an Event; then the status, once.
        Assert.Equal(ReconcileResult.Done, pass.Result);
        string[] copy = ["POST pods", "POST restores", "PATCH pods/ci-*", "POST events"];
        Assert.Equal([.. copy, .. copy, "PUT restoresets/ci/status"], Anonymous(pass.Writes));
        var restores = await CopiesAsync();
        Assert.Equal(2, restores.Count);
        foreach (var restore in restores)
        {
            var pod = await cluster.GetPodAsync(restore.Metadata.Name);
            Assert.Equal(set.Metadata.Uid, Assert.Single(restore.Metadata.OwnerReferences).Uid);
            Assert.Equal(("web-1", pod.Metadata.Name, "app"), (restore.Spec.CheckpointName, restore.Spec.ExistingPod!.Name, restore.Spec.ExistingPod.ContainerName));
            var owner = Assert.Single(pod.Metadata.OwnerReferences);
            Assert.Equal((restore.Metadata.Uid, Restore.KindName, true), (owner.Uid, owner.Kind, owner.Controller));
            Assert.Equal(restore.Metadata.Name, pod.Metadata.Labels[CryoNames.RestoreLabel]);
            Assert.Equal(pod.Metadata.Labels[CryoNames.TemplateHashLabel], restore.Metadata.Labels[CryoNames.TemplateHashLabel]);
        }

        Assert.Equal((2, 0, 0, 0), (status.Replicas, status.ReadyReplicas, status.WarmPods, status.RunningWarmPods));
        Assert.Equal("cryo.io/restore-set=ci,cryo.io/restore", status.Selector);
        Assert.Equal(restores.Select(r => r.Metadata.Name).Order(StringComparer.Ordinal), status.Copies!.Select(c => c.Name));
        Assert.All(status.Copies!, c => Assert.Equal(("web-1", Phase.Pending, false), (c.CheckpointName, c.Phase, c.Ready)));
        Assert.Equal("0 of 2 copies Ready, 2 restoring", status.Message);
        ConditionAssert.Has(status.Conditions, ConditionTypes.CheckpointReady, ConditionStatus.True, ConditionReasons.CheckpointSucceeded);
        ConditionAssert.Has(status.Conditions, ConditionTypes.Ready, ConditionStatus.False, ConditionReasons.CopiesNotReady);
        ConditionAssert.Has(status.Conditions, ConditionTypes.ReplicaFailure, ConditionStatus.False, ConditionReasons.NoFailures);
        Assert.Equal(2, (await cluster.EventsAsync("ci")).Count(e => e.Reason == ConditionReasons.CopyCreated));

        // Assert: the pass run again finds what it made and writes nothing.
        Assert.Equal(ReconcileResult.Done, again.Result);
        Assert.Empty(again.Writes);
    }

    [Fact]
    public async Task Pass_Should_MakeACopyInARunningWarmPod_AndRefillThePool_And_ASecondPassWritesNothing()
    {
        // Arrange: an earlier pass started the pool's pod, whose placeholder runs; then the set is scaled to one.
        await cluster.RestoreSetAsync("ci", new RestoreSetSpec { CheckpointName = "web-1", Replicas = 0, WarmPool = 1 });
        var started = await cluster.PassAsync(cluster.RestoreSets, "ci");
        var warm = (await cluster.Client.CoreV1.ListNamespacedPodAsync(Ns, labelSelector: CryoNames.RestoreSetLabel)).Items.Single();
        await cluster.Kubelet.StartAsync(await cluster.Kubelet.ScheduleAsync(warm, Node));
        await ScaleAsync(1);

        // Act
        var pass = await cluster.PassAsync(cluster.RestoreSets, "ci");
        var status = (await cluster.GetRestoreSetAsync("ci")).Status!;
        var again = await cluster.PassAsync(cluster.RestoreSets, "ci");

        // Assert: the copy is the warm pod, taken as it is; a new pod refills the pool.
        Assert.Equal(["POST pods", "POST events", "PUT restoresets/ci/status"], Anonymous(started.Writes));
        Assert.Equal([$"POST restores", $"PATCH pods/{warm.Metadata.Name}", "POST events", "POST pods", "POST events", "PUT restoresets/ci/status"], Anonymous(pass.Writes, except: warm.Metadata.Name));
        var copy = Assert.Single(await CopiesAsync());
        Assert.Equal(warm.Metadata.Name, copy.Metadata.Name);
        Assert.Equal((1, 1, 0), (status.Replicas, status.WarmPods, status.RunningWarmPods));
        Assert.Contains(await cluster.EventsAsync("ci"), e => e.Reason == ConditionReasons.CopyCreated && e.Message.EndsWith($"in warm pod {warm.Metadata.Name}, whose placeholder runs"));
        Assert.Empty(again.Writes);
    }

    [Fact]
    public async Task Pass_Should_RemoveAFailedCopy_AndHoldTheNextOneBack_And_ASecondPassWritesNothing()
    {
        // Arrange: an earlier pass made the copy; its Restore Failed.
        await cluster.RestoreSetAsync("ci", new RestoreSetSpec { CheckpointName = "web-1", Replicas = 1 });
        await cluster.PassAsync(cluster.RestoreSets, "ci");
        var copy = Assert.Single(await CopiesAsync());
        await cluster.RestoreStatusAsync(copy.Metadata.Name, new RestoreStatus { Phase = Phase.Failed, Message = "criu restore failed with exit code 1" });

        // Act
        var pass = await cluster.PassAsync(cluster.RestoreSets, "ci");
        var status = (await cluster.GetRestoreSetAsync("ci")).Status!;
        var again = await cluster.PassAsync(cluster.RestoreSets, "ci");

        // Assert: removed, counted, and no new copy before the backoff delay (Operator__BackoffBase after one failure).
        Assert.Equal(ReconcileResult.After(cluster.Settings.BackoffBase), pass.Result);
        Assert.Equal([$"DELETE restores/{copy.Metadata.Name}", "POST events", "PUT restoresets/ci/status"], pass.Writes);
        Assert.Empty(await CopiesAsync());
        Assert.Equal((0, 1, Now), (status.Replicas, status.ConsecutiveFailures, status.LastFailureTime));
        ConditionAssert.Has(status.Conditions, ConditionTypes.ReplicaFailure, ConditionStatus.True, ConditionReasons.CopyFailed);
        ConditionAssert.Has(status.Conditions, ConditionTypes.Ready, ConditionStatus.False, ConditionReasons.ReplacementBackoff);
        Assert.Contains("criu restore failed with exit code 1", status.Conditions!.Single(c => c.Type == ConditionTypes.ReplicaFailure).Message);
        Assert.EndsWith($"1 copies failed in a row; the next copy is made at {Now + cluster.Settings.BackoffBase:u} at the earliest", status.Message);
        var warning = Assert.Single(await cluster.EventsAsync("ci"), e => e.Reason == ConditionReasons.CopyFailed);
        Assert.Equal("Warning", warning.Type);
        Assert.Equal(pass.Result, again.Result);
        Assert.Empty(again.Writes);
    }

    [Theory]
    [InlineData(3, true)]
    [InlineData(1, false)]
    public async Task Pass_Should_MakeTheNextCopy_OnlyOnceTheBackoffDelayPassed(int secondsSinceTheFailure, bool made)
    {
        // Arrange: two copies failed in a row: the next waits Operator__BackoffBase (1 s) doubled once, 2 s.
        await cluster.RestoreSetAsync("ci", new RestoreSetSpec { CheckpointName = "web-1", Replicas = 1 });
        await SetStatusAsync(new RestoreSetStatus { ConsecutiveFailures = 2, LastFailureTime = Now.AddSeconds(-secondsSinceTheFailure) });

        // Act
        var pass = await cluster.PassAsync(cluster.RestoreSets, "ci");
        var status = (await cluster.GetRestoreSetAsync("ci")).Status!;

        // Assert: the failures are remembered until a copy restores.
        Assert.Equal(made ? 1 : 0, (await CopiesAsync()).Count);
        Assert.Equal(made ? ReconcileResult.Done : ReconcileResult.After(TimeSpan.FromSeconds(2 - secondsSinceTheFailure)), pass.Result);
        Assert.Equal(2, status.ConsecutiveFailures);
        var ready = status.Conditions!.Single(c => c.Type == ConditionTypes.Ready);
        Assert.Equal(made ? ConditionReasons.CopiesNotReady : ConditionReasons.ReplacementBackoff, ready.Reason);
    }

    [Fact]
    public async Task Pass_Should_ForgetTheFailures_OnceACopyRestoredAfterThem()
    {
        // Arrange: after three failures, a copy was made, and its Restore restored.
        await cluster.RestoreSetAsync("ci", new RestoreSetSpec { CheckpointName = "web-1", Replicas = 1 });
        await SetStatusAsync(new RestoreSetStatus { ConsecutiveFailures = 3, LastFailureTime = Now.AddSeconds(-10) });
        await cluster.PassAsync(cluster.RestoreSets, "ci");
        var copy = Assert.Single(await CopiesAsync());
        await cluster.RestoreStatusAsync(copy.Metadata.Name, new RestoreStatus { Phase = Phase.Succeeded, CompletionTime = Now });

        // Act
        await cluster.PassAsync(cluster.RestoreSets, "ci");
        var status = (await cluster.GetRestoreSetAsync("ci")).Status!;

        // Assert
        Assert.Equal((null, null), (status.ConsecutiveFailures, status.LastFailureTime));
        ConditionAssert.Has(status.Conditions, ConditionTypes.ReplicaFailure, ConditionStatus.False, ConditionReasons.NoFailures);
    }

    [Fact]
    public async Task Pass_Should_RemoveACopyThatIsNotReady_BeforeAReadyOne_When_ScaledDown()
    {
        // Arrange: two copies, one of them Ready.
        await cluster.RestoreSetAsync("ci", new RestoreSetSpec { CheckpointName = "web-1", Replicas = 2 });
        await cluster.PassAsync(cluster.RestoreSets, "ci");
        var copies = await CopiesAsync();
        var ready = copies.OrderBy(c => c.Metadata.Name, StringComparer.Ordinal).Last();
        var notReady = copies.Single(c => c != ready);
        await ReadyAsync(ready.Metadata.Name);
        await ScaleAsync(1);

        // Act
        var pass = await cluster.PassAsync(cluster.RestoreSets, "ci");
        var status = (await cluster.GetRestoreSetAsync("ci")).Status!;

        // Assert
        Assert.Equal([$"DELETE restores/{notReady.Metadata.Name}", "POST events", "PUT restoresets/ci/status"], pass.Writes);
        Assert.Equal(ready.Metadata.Name, Assert.Single(await CopiesAsync()).Metadata.Name);
        Assert.Equal((1, 1), (status.Replicas, status.ReadyReplicas));
        Assert.Equal((Node, true), (status.Copies![0].NodeName, status.Copies[0].Ready));
        ConditionAssert.Has(status.Conditions, ConditionTypes.Ready, ConditionStatus.True, ConditionReasons.AllCopiesReady, generation: 2);
    }

    [Fact]
    public async Task Pass_Should_RemoveCopiesOfAnOlderTemplate_BeforeCurrentOnes_When_ScaledDown()
    {
        // Arrange: a Ready copy of the first template; then a new label, and a Ready copy of the new template.
        await cluster.RestoreSetAsync("ci", new RestoreSetSpec { CheckpointName = "web-1", Replicas = 1 });
        await cluster.PassAsync(cluster.RestoreSets, "ci");
        var old = Assert.Single(await CopiesAsync());
        await ReadyAsync(old.Metadata.Name);
        var set = await cluster.GetRestoreSetAsync("ci");
        set.Spec.Replicas = 2;
        set.Spec.Template = new PodOverlay { Metadata = new PodOverlayMetadata { Labels = new Dictionary<string, string> { ["tier"] = "ci" } } };
        await cluster.Client.CustomObjects.ReplaceNamespacedCustomObjectAsync<RestoreSet>(set, CryoNames.Group, CryoNames.Version, Ns, RestoreSet.Plural, "ci");
        await cluster.PassAsync(cluster.RestoreSets, "ci");
        var current = Assert.Single(await CopiesAsync(), c => c.Metadata.Uid != old.Metadata.Uid);
        await ReadyAsync(current.Metadata.Name);
        await ScaleAsync(1);

        // Act
        var pass = await cluster.PassAsync(cluster.RestoreSets, "ci");

        // Assert
        Assert.Equal([$"DELETE restores/{old.Metadata.Name}", "POST events", "PUT restoresets/ci/status"], pass.Writes);
        Assert.Equal(current.Metadata.Name, Assert.Single(await CopiesAsync()).Metadata.Name);
        Assert.Equal("ci", (await cluster.GetPodAsync(current.Metadata.Name)).Metadata.Labels["tier"]);
    }

    [Fact]
    public async Task Pass_Should_ReplaceAWarmPodBuiltForAnOlderTemplate_And_ASecondPassWritesNothing()
    {
        // Arrange
        await cluster.RestoreSetAsync("ci", new RestoreSetSpec { CheckpointName = "web-1", Replicas = 0, WarmPool = 1 });
        await cluster.PassAsync(cluster.RestoreSets, "ci");
        var old = (await cluster.Client.CoreV1.ListNamespacedPodAsync(Ns, labelSelector: CryoNames.RestoreSetLabel)).Items.Single();
        var set = await cluster.GetRestoreSetAsync("ci");
        set.Spec.Template = new PodOverlay { Spec = new PodSpecOverlay { NodeSelector = new Dictionary<string, string> { ["disk"] = "ssd" } } };
        await cluster.Client.CustomObjects.ReplaceNamespacedCustomObjectAsync<RestoreSet>(set, CryoNames.Group, CryoNames.Version, Ns, RestoreSet.Plural, "ci");

        // Act
        var pass = await cluster.PassAsync(cluster.RestoreSets, "ci");
        var again = await cluster.PassAsync(cluster.RestoreSets, "ci");

        // Assert
        Assert.Equal([$"DELETE pods/{old.Metadata.Name}", "POST events", "POST pods", "POST events", "PUT restoresets/ci/status"], Anonymous(pass.Writes, except: old.Metadata.Name));
        var warm = (await cluster.Client.CoreV1.ListNamespacedPodAsync(Ns, labelSelector: CryoNames.RestoreSetLabel)).Items.Single();
        Assert.Equal("ssd", warm.Spec.NodeSelector["disk"]);
        Assert.NotEqual(old.Metadata.Labels[CryoNames.TemplateHashLabel], warm.Metadata.Labels[CryoNames.TemplateHashLabel]);
        Assert.Contains(await cluster.EventsAsync("ci"), e => e.Reason == ConditionReasons.WarmPodDeleted && e.Message.Contains("older template"));
        Assert.Empty(again.Writes);
    }

    [Fact]
    public async Task Pass_Should_SayWhy_AndMakeNothing_When_TheCheckpointHasNotSucceeded_And_ASecondPassWritesNothing()
    {
        // Arrange
        await cluster.CheckpointAsync("web-2", new CheckpointSpec { PodName = "web" }, new CheckpointStatus { Phase = Phase.Running });
        await cluster.RestoreSetAsync("ci", new RestoreSetSpec { CheckpointName = "web-2", Replicas = 1, WarmPool = 1 });

        // Act
        var pass = await cluster.PassAsync(cluster.RestoreSets, "ci");
        var status = (await cluster.GetRestoreSetAsync("ci")).Status!;
        var again = await cluster.PassAsync(cluster.RestoreSets, "ci");

        // Assert: the Checkpoint's finish wakes the set (its phase change is routed to it).
        Assert.Equal(ReconcileResult.Done, pass.Result);
        Assert.Equal(["PUT restoresets/ci/status"], pass.Writes);
        ConditionAssert.Has(status.Conditions, ConditionTypes.CheckpointReady, ConditionStatus.False, ConditionReasons.CheckpointNotSucceeded);
        ConditionAssert.Has(status.Conditions, ConditionTypes.Ready, ConditionStatus.False, ConditionReasons.CheckpointNotSucceeded);
        Assert.Equal("0 of 1 copies Ready; Checkpoint apps/web-2 has not succeeded yet", status.Message);
        Assert.Empty(again.Writes);
    }

    [Fact]
    public async Task Pass_Should_KeepItsWarmPods_WhileTheCheckpointIsGone_ButReleaseThem_When_ThePoolShrinks()
    {
        // Arrange: two warm pods, then the Checkpoint is deleted (it may come back, as a CI cluster refreshes it).
        await cluster.RestoreSetAsync("ci", new RestoreSetSpec { CheckpointName = "web-1", Replicas = 0, WarmPool = 2 });
        await cluster.PassAsync(cluster.RestoreSets, "ci");
        await cluster.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(CryoNames.Group, CryoNames.Version, Ns, Checkpoint.Plural, "web-1");

        // Act
        var kept = await cluster.PassAsync(cluster.RestoreSets, "ci");
        var set = await cluster.GetRestoreSetAsync("ci");
        set.Spec.WarmPool = 0;
        await cluster.Client.CustomObjects.ReplaceNamespacedCustomObjectAsync<RestoreSet>(set, CryoNames.Group, CryoNames.Version, Ns, RestoreSet.Plural, "ci");
        var released = await cluster.PassAsync(cluster.RestoreSets, "ci");
        var status = (await cluster.GetRestoreSetAsync("ci")).Status!;

        // Assert
        Assert.Equal(["PUT restoresets/ci/status"], kept.Writes);
        Assert.Equal(["DELETE pods/ci-*", "POST events", "DELETE pods/ci-*", "POST events", "PUT restoresets/ci/status"], Anonymous(released.Writes));
        Assert.Equal(0, status.WarmPods);
        ConditionAssert.Has(status.Conditions, ConditionTypes.CheckpointReady, ConditionStatus.False, ConditionReasons.CheckpointNotFound, generation: 2);
    }

    [Fact]
    public async Task Pass_Should_FinishAHandOver_ThatAPassCutShortLeft()
    {
        // Arrange: the copy's Restore exists, but its pod is still the set's.
        var set = await cluster.RestoreSetAsync("ci", new RestoreSetSpec { CheckpointName = "web-1", Replicas = 1 });
        await cluster.PassAsync(cluster.RestoreSets, "ci");
        var copy = Assert.Single(await CopiesAsync());
        var owner = new { apiVersion = CryoNames.ApiVersion, kind = RestoreSet.KindName, name = "ci", uid = set.Metadata.Uid, controller = true };
        await cluster.Client.CoreV1.PatchNamespacedPodAsync(new V1Patch(KubernetesJson.Serialize(new { metadata = new { ownerReferences = new[] { owner } } }), V1Patch.PatchType.MergePatch),
            copy.Metadata.Name, Ns);

        // Act
        var pass = await cluster.PassAsync(cluster.RestoreSets, "ci");

        // Assert
        Assert.Equal([$"PATCH pods/{copy.Metadata.Name}"], pass.Writes);
        Assert.Equal(copy.Metadata.Uid, Assert.Single((await cluster.GetPodAsync(copy.Metadata.Name)).Metadata.OwnerReferences).Uid);
    }

    [Fact]
    public async Task Pass_Should_SaySo_AndRetry_When_TheApiServerRefusesItsPods_And_ASecondPassRecordsNothingNew()
    {
        // Arrange: a quota refuses every new pod.
        await cluster.RestoreSetAsync("ci", new RestoreSetSpec { CheckpointName = "web-1", Replicas = 1 });
        cluster.Api.BeforeWrite = (method, path) => method == "POST" && path.EndsWith("/pods", StringComparison.Ordinal)
            ? throw new ApiError(403, "Forbidden", "pods \"ci-x\" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=10, limited: pods=10")
            : Task.CompletedTask;

        // Act
        var pass = await cluster.PassAsync(cluster.RestoreSets, "ci");
        var status = (await cluster.GetRestoreSetAsync("ci")).Status!;
        var again = await cluster.PassAsync(cluster.RestoreSets, "ci");

        // Assert
        Assert.Equal(ReconcileResult.Retry, pass.Result);
        Assert.Equal(["POST pods", "PUT restoresets/ci/status", "POST events"], pass.Writes);
        ConditionAssert.Has(status.Conditions, ConditionTypes.ReplicaFailure, ConditionStatus.True, ConditionReasons.CreateFailed);
        ConditionAssert.Has(status.Conditions, ConditionTypes.Ready, ConditionStatus.False, ConditionReasons.CreateFailed);
        Assert.Contains("exceeded quota", status.Message);
        Assert.Equal(ConditionReasons.CreateFailed, Assert.Single(await cluster.EventsAsync("ci")).Reason);
        Assert.Equal(ReconcileResult.Retry, again.Result);
        Assert.Equal(["POST pods"], again.Writes);
    }

    private async Task<List<Restore>> CopiesAsync() =>
        (await cluster.Client.CustomObjects.ListNamespacedCustomObjectAsync<RestoreList>(CryoNames.Group, CryoNames.Version, Ns, Restore.Plural,
            labelSelector: $"{CryoNames.RestoreSetLabel}=ci")).Items.ToList();

    private Task ScaleAsync(int replicas) =>
        cluster.Client.CustomObjects.PatchNamespacedCustomObjectScaleAsync<V1Scale>(
            new V1Patch(KubernetesJson.Serialize(new { spec = new { replicas } }), V1Patch.PatchType.MergePatch), CryoNames.Group, CryoNames.Version, Ns, RestoreSet.Plural, "ci");

    private async Task SetStatusAsync(RestoreSetStatus status)
    {
        var set = await cluster.GetRestoreSetAsync("ci");
        set.Status = status;
        await cluster.Client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<RestoreSet>(set, CryoNames.Group, CryoNames.Version, Ns, RestoreSet.Plural, "ci");
    }

    /// <summary>Plays what makes copy <paramref name="name"/> Ready: scheduled and started, restored (its Restore and the pod's gate), and the kubelet's sync.</summary>
    private async Task ReadyAsync(string name)
    {
        await cluster.Kubelet.StartAsync(await cluster.Kubelet.ScheduleAsync(await cluster.GetPodAsync(name), Node));
        var restored = new { status = new { conditions = new[] { new V1PodCondition { Type = CryoNames.RestoredCondition, Status = ConditionStatus.True, Reason = ConditionReasons.Restored } } } };
        await cluster.Client.CoreV1.PatchNamespacedPodStatusAsync(new V1Patch(KubernetesJson.Serialize(restored), V1Patch.PatchType.StrategicMergePatch), name, Ns);
        await cluster.Kubelet.SyncAsync(Ns, name);
        await cluster.RestoreStatusAsync(name, new RestoreStatus { Phase = Phase.Succeeded, CompletionTime = Now, NodeName = Node });
    }

    /// <summary>The writes with the random part of the set's pod and Restore names hidden (<c>ci-*</c>), but for <paramref name="except"/>.</summary>
    private static List<string> Anonymous(IEnumerable<string> writes, string? except = null) =>
        writes.Select(w => CopyName().Replace(w, m => m.Value == except ? m.Value : "ci-*")).ToList();

    [GeneratedRegex("ci-[bcdfghjklmnpqrstvwxz2456789]{5}")]
    private static partial Regex CopyName();
}
