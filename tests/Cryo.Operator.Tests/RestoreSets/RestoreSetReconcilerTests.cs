using System.Diagnostics;
using Microsoft.AspNetCore.Builder;

namespace Cryo.Operator.Tests.RestoreSets;

/// <summary>
/// RestoreSets end to end: the operator as it runs, the loopback API server, agents on two nodes, and the scheduler
/// and kubelets played by <see cref="KubeletLoop"/>; scaled as <c>kubectl scale</c> and an autoscaler do, through the
/// scale subresource.
/// </summary>
public sealed class RestoreSetReconcilerTests : IAsyncLifetime
{
    private const string Ns = OperatorHarness.Ns;
    private OperatorHarness cluster = null!;
    private WebApplication operatorApp = null!;
    private KubeletLoop kubelets = null!;

    private IEnumerable<FakeAgentEngine> Agents => cluster.Agents.Values.Select(a => a.Engine);

    public async Task InitializeAsync()
    {
        (cluster, operatorApp) = await OperatorHarness.StartWithCheckpointAsync();
        kubelets = KubeletLoop.Start(cluster.Client, cluster.Kubelet, Ns, CryoNames.RestoreSetLabel, "node-1", "node-2");
    }

    public async Task DisposeAsync()
    {
        await kubelets.DisposeAsync();
        await cluster.DisposeAsync();
    }

    [Fact]
    public async Task RestoreSet_Should_KeepTheCopiesAskedFor_AndScaleUpAndDown_AsKubectlScaleAndAnAutoscalerDo()
    {
        // Arrange
        await cluster.CreateRestoreSetAsync("ci", new RestoreSetSpec
        {
            CheckpointName = "web-1",
            Replicas = 2,
            Template = new PodOverlay { Metadata = new PodOverlayMetadata { Labels = new Dictionary<string, string> { ["app"] = "ci" } } },
        });
        var two = await WaitForReadyAsync("ci", 2);

        // Act: kubectl scale --replicas=4, then an autoscaler's read and write of the Scale down to 1.
        await cluster.ScaleAsync("ci", 4);
        var four = await WaitForReadyAsync("ci", 4);
        var scale = await cluster.Client.CustomObjects.GetNamespacedCustomObjectScaleAsync<V1Scale>(CryoNames.Group, CryoNames.Version, Ns, RestoreSet.Plural, "ci");
        scale.Spec.Replicas = 1;
        await cluster.Client.CustomObjects.ReplaceNamespacedCustomObjectScaleAsync<V1Scale>(scale, CryoNames.Group, CryoNames.Version, Ns, RestoreSet.Plural, "ci");
        var one = await WaitForReadyAsync("ci", 1);
        await Eventually.TrueAsync(async () => (await cluster.SetPodsAsync("ci", CryoNames.RestoreLabel)).Count == 1, "the pods of the removed copies are deleted with them");

        // Assert: each copy is a Restore of the set into the pod of its name, which the Restore controls.
        Assert.Equal(2, two.Status!.Copies!.Count);
        Assert.Equal(4, four.Status!.Copies!.Count);
        Assert.Equal((4, 4), (scale.Status.Replicas, four.Status.ReadyReplicas));
        Assert.Equal($"{CryoNames.RestoreSetLabel}=ci,{CryoNames.RestoreLabel}", scale.Status.Selector);
        var copy = Assert.Single(await cluster.CopiesAsync("ci"));
        var pod = Assert.Single(await cluster.SetPodsAsync("ci", CryoNames.RestoreLabel));
        Assert.Equal((copy.Metadata.Name, "app"), (copy.Spec.ExistingPod!.Name, copy.Spec.ExistingPod.ContainerName));
        Assert.Equal("web-1", copy.Spec.CheckpointName);
        Assert.Equal(Phase.Succeeded, copy.Status!.Phase);
        Assert.Equal(copy.Metadata.Name, pod.Metadata.Name);
        Assert.Equal(copy.Metadata.Uid, Assert.Single(pod.Metadata.OwnerReferences).Uid);
        Assert.Equal("ci", pod.Metadata.Labels["app"]);
        var entry = Assert.Single(one.Status!.Copies!);
        Assert.Equal((copy.Metadata.Name, pod.Metadata.Name, pod.Spec.NodeName, "web-1", Phase.Succeeded, true),
            (entry.Name, entry.PodName, entry.NodeName, entry.CheckpointName, entry.Phase, entry.Ready));
        Assert.Equal(ConditionReasons.AllCopiesReady, one.Status.Conditions!.Single(c => c.Type == ConditionTypes.Ready).Reason);

        // Assert: every copy was restored once, four in all, and scaling down restored nothing.
        Assert.Equal(4, Agents.Sum(a => a.RestoresRun));
        await cluster.WaitForEventAsync("ci", e => e.Reason == ConditionReasons.CopyDeleted, "copies deleted on scale-down");
    }

    [Fact]
    public async Task RestoreSet_Should_RestoreEveryCopyLazily_When_ItsSpecSaysLazy()
    {
        // Arrange: a set of lazy copies, one of them restored into a warm pod on the scale-up.
        await cluster.CreateRestoreSetAsync("ci", new RestoreSetSpec { CheckpointName = "web-1", Replicas = 1, WarmPool = 1, Lazy = true });
        await cluster.WaitForRestoreSetAsync("ci", s => s.Status is { ReadyReplicas: 1, RunningWarmPods: 1 }, "one copy Ready, one warm pod running");

        // Act
        await cluster.ScaleAsync("ci", 2);
        await WaitForReadyAsync("ci", 2);

        // Assert: each copy's Restore asks for a lazy restore, the agents were asked for one, and each says it was.
        var copies = await cluster.CopiesAsync("ci");
        Assert.Equal(2, copies.Count);
        Assert.All(copies, c => Assert.Equal((true, true), (c.Spec.Lazy, c.Status!.Lazy)));
        var calls = Agents.SelectMany(a => a.RestoreCalls).ToList();
        Assert.NotEmpty(calls);
        Assert.All(calls, r => Assert.True(r.Lazy));
    }

    [Fact]
    public async Task RestoreSet_Should_MakeAScaleUpOnlyARestore_IntoItsWarmPods_AndRefillThePool()
    {
        // Arrange: one copy, two placeholder pods started ahead.
        await cluster.CreateRestoreSetAsync("ci", new RestoreSetSpec { CheckpointName = "web-1", Replicas = 1, WarmPool = 2 });
        await cluster.WaitForRestoreSetAsync("ci", s => s.Status is { ReadyReplicas: 1, RunningWarmPods: 2 }, "one copy Ready, two warm pods running");
        var warm = (await cluster.SetPodsAsync("ci", $"!{CryoNames.RestoreLabel}")).Select(p => p.Metadata.Name).ToHashSet();
        var created = Created(source: "warm_pool");

        // Act
        await cluster.ScaleAsync("ci", 3);
        var scaled = await cluster.WaitForRestoreSetAsync("ci", s => s.Status is { ReadyReplicas: 3, RunningWarmPods: 2 }, "three copies Ready, the pool refilled");

        // Assert: the two new copies are the two warm pods, restored into as they were; two new warm pods wait.
        Assert.Equal(2, warm.Count);
        var copies = (await cluster.CopiesAsync("ci")).Select(r => r.Metadata.Name).ToHashSet();
        Assert.Superset(warm, copies);
        var refilled = (await cluster.SetPodsAsync("ci", $"!{CryoNames.RestoreLabel}")).Select(p => p.Metadata.Name).ToList();
        Assert.Equal(2, refilled.Count);
        Assert.DoesNotContain(refilled, warm.Contains);
        Assert.Equal(created + 2, Created(source: "warm_pool"));
        Assert.Equal(3, scaled.Status!.Replicas);
        var made = await cluster.WaitForEventAsync("ci", e => e.Reason == ConditionReasons.CopyCreated && e.Message.Contains("whose placeholder runs"), "a copy made in a running warm pod");
        Assert.Contains("warm pod", made.Message);
    }

    [Fact]
    public async Task RestoreSet_Should_ReplaceACopy_WhoseApplicationEnded_WithAFreshOne()
    {
        // Arrange: restartPolicy Never, so an application that ends leaves its container down.
        await cluster.CreateRestoreSetAsync("ci", new RestoreSetSpec
        {
            CheckpointName = "web-1",
            Replicas = 2,
            Template = new PodOverlay { Spec = new PodSpecOverlay { RestartPolicy = PodRestartPolicy.Never } },
        });
        await WaitForReadyAsync("ci", 2);
        var before = (await cluster.CopiesAsync("ci")).Select(r => r.Metadata.Name).ToList();

        // Act: the first copy's application exits 0.
        await cluster.Kubelet.EndContainerAsync(Ns, before[0], "app", 0, "Completed");
        var after = await cluster.WaitForRestoreSetAsync("ci",
            s => s.Status is { ReadyReplicas: 2 } && s.Status.Copies!.All(c => c.Name != before[0]), "the ended copy replaced");

        // Assert
        Assert.Contains(after.Status!.Copies!, c => c.Name == before[1]);
        Assert.Equal(3, Agents.Sum(a => a.RestoresRun));
        var ended = await cluster.WaitForEventAsync("ci", e => e.Reason == ConditionReasons.CopyEnded, "copy ended");
        Assert.Contains(before[0], ended.Message);
        await Eventually.TrueAsync(async () => (await cluster.SetPodsAsync("ci")).All(p => p.Metadata.Name != before[0]), "the ended copy's pod is deleted");
    }

    [Fact]
    public async Task RestoreSet_Should_RestoreAgainInPlace_When_ACopysContainerRestarts()
    {
        // Arrange: the checkpointed pod's restartPolicy, Always.
        await cluster.CreateRestoreSetAsync("ci", new RestoreSetSpec { CheckpointName = "web-1", Replicas = 1 });
        await WaitForReadyAsync("ci", 1);
        var copy = Assert.Single(await cluster.CopiesAsync("ci"));

        // Act
        await cluster.Kubelet.RestartContainerAsync(Ns, copy.Metadata.Name, "app", 3, "Error");
        var again = await cluster.WaitForRestoreAsync(copy.Metadata.Name, r => r.Status?.RestoreCount == 2, "restored again");
        var set = await WaitForReadyAsync("ci", 1);

        // Assert: the same copy, restored into its new run; nothing replaced.
        Assert.Equal(copy.Metadata.Name, Assert.Single(set.Status!.Copies!).Name);
        Assert.Equal(Phase.Succeeded, again.Status!.Phase);
        Assert.Equal(2, Agents.Sum(a => a.RestoresRun));
    }

    [Fact]
    public async Task RestoreSet_Should_ReplaceACopy_WhosePodWasDeleted()
    {
        // Arrange
        await cluster.CreateRestoreSetAsync("ci", new RestoreSetSpec { CheckpointName = "web-1", Replicas = 1 });
        await WaitForReadyAsync("ci", 1);
        var copy = Assert.Single(await cluster.CopiesAsync("ci"));

        // Act
        await cluster.Client.CoreV1.DeleteNamespacedPodAsync(copy.Metadata.Name, Ns);
        var after = await cluster.WaitForRestoreSetAsync("ci", s => s.Status is { ReadyReplicas: 1 } && s.Status.Copies![0].Name != copy.Metadata.Name, "replaced");

        // Assert
        Assert.Single(after.Status!.Copies!);
        Assert.DoesNotContain(await cluster.CopiesAsync("ci"), r => r.Metadata.Name == copy.Metadata.Name);
    }

    [Fact]
    public async Task RestoreSet_Should_BackOff_When_EveryRestoreFails_And_RecoverWhenRestoresWorkAgain()
    {
        // Arrange: the agents fail every restore as CRIU would on an unusable checkpoint.
        foreach (var agent in Agents)
        {
            agent.RestoreFailure = _ => AgentErrors.Of(StatusCode.FailedPrecondition, "CRIU_FAILED", "criu restore failed with exit code 1");
        }

        // Act: with the harness's backoff (0.1 s doubling to 1 s), from the third failure on, each next copy waits 0.4 s or more.
        await cluster.CreateRestoreSetAsync("ci", new RestoreSetSpec { CheckpointName = "web-1", Replicas = 1 });
        var failing = await cluster.WaitForRestoreSetAsync("ci", s => s.Status?.ConsecutiveFailures >= 3, "three copies failed in a row");
        var watch = Stopwatch.StartNew();
        var seen = failing.Status!.ConsecutiveFailures!.Value;
        var later = await cluster.WaitForRestoreSetAsync("ci", s => s.Status?.ConsecutiveFailures >= seen + 2, "two more failures");
        var elapsed = watch.Elapsed;

        // Assert: the second of those two copies was made only after the whole delay its predecessor's failure set (at
        // least 0.8 s: the 4th failure's), where a hot loop takes milliseconds; each failure was one copy's one restore.
        Assert.True(elapsed >= TimeSpan.FromSeconds(0.7), $"two more failures took only {elapsed}");
        var failures = later.Status!.ConsecutiveFailures!.Value;
        Assert.InRange(Agents.Sum(a => a.RestoreCalls.Count), failures, failures + 1); // the next copy's may be under way
        var failure = later.Status.Conditions!.Single(c => c.Type == ConditionTypes.ReplicaFailure);
        Assert.Equal((ConditionStatus.True, ConditionReasons.CopyFailed), (failure.Status, failure.Reason));
        Assert.Contains("criu restore failed with exit code 1", failure.Message);
        Assert.NotNull(later.Status.LastFailureTime);
        var warning = await cluster.WaitForEventAsync("ci", e => e.Reason == ConditionReasons.CopyFailed, "copy failed");
        Assert.Equal("Warning", warning.Type);

        // Act: restores work again.
        foreach (var agent in Agents)
        {
            agent.RestoreFailure = null;
        }

        var recovered = await WaitForReadyAsync("ci", 1);

        // Assert: the failures are forgotten once a copy restored.
        Assert.Null(recovered.Status!.ConsecutiveFailures);
        var noFailure = recovered.Status.Conditions!.Single(c => c.Type == ConditionTypes.ReplicaFailure);
        Assert.Equal((ConditionStatus.False, ConditionReasons.NoFailures), (noFailure.Status, noFailure.Reason));
    }

    [Fact]
    public async Task RestoreSet_Should_ReplaceWarmPodsBuiltForAnOlderTemplate_AndKeepItsCopies()
    {
        // Arrange
        await cluster.CreateRestoreSetAsync("ci", new RestoreSetSpec { CheckpointName = "web-1", Replicas = 1, WarmPool = 1 });
        await cluster.WaitForRestoreSetAsync("ci", s => s.Status is { ReadyReplicas: 1, RunningWarmPods: 1 }, "ready, one warm pod");
        var copy = Assert.Single(await cluster.CopiesAsync("ci"));
        var oldWarm = Assert.Single(await cluster.SetPodsAsync("ci", $"!{CryoNames.RestoreLabel}"));

        // Act: a new label for the pods.
        var set = await cluster.GetRestoreSetAsync("ci");
        set.Spec.Template = new PodOverlay { Metadata = new PodOverlayMetadata { Labels = new Dictionary<string, string> { ["tier"] = "ci" } } };
        await cluster.Client.CustomObjects.ReplaceNamespacedCustomObjectAsync<RestoreSet>(set, CryoNames.Group, CryoNames.Version, Ns, RestoreSet.Plural, "ci");
        await Eventually.TrueAsync(async () => (await cluster.SetPodsAsync("ci", $"!{CryoNames.RestoreLabel},tier=ci")).Count == 1 &&
                                               (await cluster.SetPodsAsync("ci", $"!{CryoNames.RestoreLabel}")).Count == 1, "the warm pod replaced");
        var after = await cluster.WaitForRestoreSetAsync("ci", s => s.Status is { RunningWarmPods: 1, ObservedGeneration: 2 }, "the new warm pod runs");

        // Assert: the copy stays as it was; the warm pod is a new one, of the new template.
        Assert.Equal(copy.Metadata.Uid, Assert.Single(await cluster.CopiesAsync("ci")).Metadata.Uid);
        Assert.NotEqual(oldWarm.Metadata.Name, Assert.Single(await cluster.SetPodsAsync("ci", $"!{CryoNames.RestoreLabel}")).Metadata.Name);
        Assert.Equal(1, after.Status!.ReadyReplicas);
        await cluster.WaitForEventAsync("ci", e => e.Reason == ConditionReasons.WarmPodDeleted && e.Message.Contains("older template"), "old warm pod deleted");
    }

    [Fact]
    public async Task RestoreSet_Should_TakeItsCopiesAndWarmPodsWithIt_When_Deleted()
    {
        // Arrange
        await cluster.CreateRestoreSetAsync("ci", new RestoreSetSpec { CheckpointName = "web-1", Replicas = 2, WarmPool = 1 });
        await cluster.WaitForRestoreSetAsync("ci", s => s.Status is { ReadyReplicas: 2, RunningWarmPods: 1 }, "ready");

        // Act
        await cluster.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(CryoNames.Group, CryoNames.Version, Ns, RestoreSet.Plural, "ci");

        // Assert
        await Eventually.TrueAsync(async () => (await cluster.CopiesAsync("ci")).Count == 0 && (await cluster.SetPodsAsync("ci")).Count == 0,
            "Restores and pods deleted with their set");
    }

    private Task<RestoreSet> WaitForReadyAsync(string name, int copies) =>
        cluster.WaitForRestoreSetAsync(name, s => s.Status is { } status && status.ReadyReplicas == copies && status.Replicas == copies &&
                                                  status.ObservedGeneration == s.Metadata.Generation, $"{copies} copies Ready");

    private double Created(string source) =>
        operatorApp.Services.GetRequiredService<OperatorMetrics>().RestoreSetCopiesCreated.WithLabels(source).Value;
}
