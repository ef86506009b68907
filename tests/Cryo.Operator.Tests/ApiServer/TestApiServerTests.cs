using System.Net;
using k8s.Autorest;

// WatchAsync over a list call is the client's only watch for custom resources; its replacement covers built-in kinds only.
#pragma warning disable CS0618

namespace Cryo.Operator.Tests.ApiServer;

/// <summary>The test API server behaves like the real one, seen through the real KubernetesClient.</summary>
public sealed class TestApiServerTests() : ApiServerTest(new TestApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(100) })
{
    private const string Ns = "default";
    [Fact]
    public async Task Create_Should_SetServerManagedMetadata_And_DropStatus()
    {
        // Arrange
        var ckpt = NewCheckpoint("a");
        ckpt.Status = new CheckpointStatus { Phase = Phase.Succeeded };

        // Act
        var created = await CreateAsync(ckpt);

        // Assert
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.False(string.IsNullOrEmpty(created.Metadata.ResourceVersion));
        Assert.Equal(1, created.Metadata.Generation);
        Assert.NotNull(created.Metadata.CreationTimestamp);
        Assert.Null(created.Status);
    }

    [Fact]
    public async Task Get_Should_AnswerNotFoundStatus_When_ObjectIsMissing()
    {
        // Act
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => GetAsync("missing"));

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, error.Response.StatusCode);
        Assert.Contains("\"kind\":\"Status\"", error.Response.Content);
        Assert.Contains("\"reason\":\"NotFound\"", error.Response.Content);
        Assert.Contains("checkpoints.cryo.io \\u0022missing\\u0022 not found", error.Response.Content.Replace("\\\"", "\\u0022"));
    }

    [Fact]
    public async Task Create_Should_Conflict_When_NameExists()
    {
        // Arrange
        await CreateAsync(NewCheckpoint("a"));

        // Act
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => CreateAsync(NewCheckpoint("a")));

        // Assert
        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        Assert.Contains("AlreadyExists", error.Response.Content);
    }

    [Fact]
    public async Task Replace_Should_Conflict_When_ResourceVersionIsStale()
    {
        // Arrange
        var created = await CreateAsync(NewCheckpoint("a"));
        var first = await GetAsync("a");
        first.Metadata.Labels = new Dictionary<string, string> { ["x"] = "1" };
        await ReplaceAsync(first);

        // Act
        created.Metadata.Labels = new Dictionary<string, string> { ["x"] = "2" };
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => ReplaceAsync(created));

        // Assert
        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        Assert.Contains("\"reason\":\"Conflict\"", error.Response.Content);
        Assert.Equal("1", (await GetAsync("a")).Metadata.Labels["x"]);
    }

    [Fact]
    public async Task Generation_Should_Bump_OnSpecChangesOnly()
    {
        // Arrange
        var created = await CreateAsync(NewCheckpoint("a"));

        // Act
        created.Metadata.Labels = new Dictionary<string, string> { ["x"] = "1" };
        var relabelled = await ReplaceAsync(created);
        relabelled.Spec.ContainerName = "app";
        var respecced = await ReplaceAsync(relabelled);

        // Assert
        Assert.Equal(1, relabelled.Metadata.Generation);
        Assert.NotEqual(created.Metadata.ResourceVersion, relabelled.Metadata.ResourceVersion);
        Assert.Equal(2, respecced.Metadata.Generation);
    }

    [Fact]
    public async Task MainResource_Should_IgnoreStatus_And_StatusSubresource_Should_IgnoreSpec()
    {
        // Arrange
        var created = await CreateAsync(NewCheckpoint("a"));

        // Act
        created.Status = new CheckpointStatus { Phase = Phase.Failed };
        var viaMain = await ReplaceAsync(created);
        var statusAfterMainWrite = viaMain.Status;
        viaMain.Status = new CheckpointStatus { Phase = Phase.Running };
        viaMain.Spec.PodName = "other";
        var viaStatus = await Client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<Checkpoint>(
            viaMain, CryoNames.Group, CryoNames.Version, Ns, Checkpoint.Plural, "a");

        // Assert
        Assert.Null(statusAfterMainWrite);
        Assert.Equal(Phase.Running, viaStatus.Status!.Phase);
        Assert.Equal("pod", viaStatus.Spec.PodName);
        Assert.Equal(1, viaStatus.Metadata.Generation);
    }

    [Fact]
    public async Task Patch_Should_ApplyMergeAndJsonPatches()
    {
        // Arrange
        await CreateAsync(NewCheckpoint("a"));

        // Act
        var merged = await PatchAsync("a", new V1Patch("""{"metadata":{"labels":{"a":"1","b":"2"}}}""", V1Patch.PatchType.MergePatch));
        var removed = await PatchAsync("a", new V1Patch("""{"metadata":{"labels":{"a":null}}}""", V1Patch.PatchType.MergePatch));
        var jsonPatched = await PatchAsync("a", new V1Patch(
            """[{"op":"test","path":"/metadata/labels/b","value":"2"},{"op":"add","path":"/metadata/finalizers","value":["x/y"]}]""",
            V1Patch.PatchType.JsonPatch));
        var failedTest = await Assert.ThrowsAsync<HttpOperationException>(() => PatchAsync("a", new V1Patch(
            """[{"op":"test","path":"/metadata/labels/b","value":"3"}]""", V1Patch.PatchType.JsonPatch)));

        // Assert
        Assert.Equal(2, merged.Metadata.Labels.Count);
        Assert.Equal(["b"], removed.Metadata.Labels.Keys);
        Assert.Equal(["x/y"], jsonPatched.Metadata.Finalizers);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, failedTest.Response.StatusCode);
    }

    [Fact]
    public async Task Patch_Should_Conflict_When_PatchCarriesAStaleResourceVersion()
    {
        // Arrange
        var created = await CreateAsync(NewCheckpoint("a"));
        await PatchAsync("a", new V1Patch("""{"metadata":{"labels":{"a":"1"}}}""", V1Patch.PatchType.MergePatch));

        // Act
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => PatchAsync("a", new V1Patch(
            "{\"metadata\":{\"resourceVersion\":\"" + created.Metadata.ResourceVersion + "\",\"labels\":{\"a\":\"2\"}}}", V1Patch.PatchType.MergePatch)));

        // Assert
        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
    }

    [Fact]
    public async Task Delete_Should_KeepObject_Until_FinalizersAreRemoved()
    {
        // Arrange
        var ckpt = NewCheckpoint("a");
        ckpt.Metadata.Finalizers = [CryoNames.CheckpointImagesFinalizer];
        await CreateAsync(ckpt);

        // Act
        await Client.CustomObjects.DeleteNamespacedCustomObjectAsync(CryoNames.Group, CryoNames.Version, Ns, Checkpoint.Plural, "a");
        var marked = await GetAsync("a");
        marked.Metadata.Finalizers.Add("other/finalizer");
        var addWhileDeleting = await Assert.ThrowsAsync<HttpOperationException>(() => ReplaceAsync(marked));
        marked = await GetAsync("a");
        marked.Metadata.Finalizers = [];
        await ReplaceAsync(marked);
        var afterwards = await Assert.ThrowsAsync<HttpOperationException>(() => GetAsync("a"));

        // Assert
        Assert.NotNull(marked.Metadata.DeletionTimestamp);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, addWhileDeleting.Response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, afterwards.Response.StatusCode);
    }

    [Fact]
    public async Task Watch_Should_ResumeFromResourceVersion_And_SendBookmarks()
    {
        // Arrange
        await CreateAsync(NewCheckpoint("a"));
        var list = await Client.CustomObjects.ListNamespacedCustomObjectAsync<CheckpointList>(
            CryoNames.Group, CryoNames.Version, Ns, Checkpoint.Plural);
        await CreateAsync(NewCheckpoint("b"));
        await PatchAsync("a", new V1Patch("""{"metadata":{"labels":{"a":"1"}}}""", V1Patch.PatchType.MergePatch));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        // Act
        var seen = new List<(WatchEventType, string)>();
        var response = Client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<CheckpointList>(
            CryoNames.Group, CryoNames.Version, Ns, Checkpoint.Plural, watch: true, allowWatchBookmarks: true,
            resourceVersion: list.Metadata.ResourceVersion, cancellationToken: cts.Token);
        await foreach (var (type, obj) in response.WatchAsync<Checkpoint, CheckpointList>(cancellationToken: cts.Token))
        {
            seen.Add((type, obj.Metadata.Name ?? obj.Metadata.ResourceVersion));
            if (type == WatchEventType.Bookmark)
            {
                break;
            }
        }

        // Assert
        Assert.Equal([(WatchEventType.Added, "b"), (WatchEventType.Modified, "a"), (WatchEventType.Bookmark, Server.CurrentResourceVersion)], seen);
    }

    [Fact]
    public async Task Watch_Should_FailWithGone_When_ResourceVersionIsCompacted()
    {
        // Arrange
        var created = await CreateAsync(NewCheckpoint("a"));
        await CreateAsync(NewCheckpoint("b"));
        Server.CompactHistory();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        // Act
        var response = Client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<CheckpointList>(
            CryoNames.Group, CryoNames.Version, Ns, Checkpoint.Plural, watch: true,
            resourceVersion: created.Metadata.ResourceVersion, cancellationToken: cts.Token);
        var errors = new List<Exception>();
        var events = 0;
        await foreach (var _ in response.WatchAsync<Checkpoint, CheckpointList>(errors.Add, cts.Token))
        {
            events++;
        }

        // Assert: the client reports the ERROR event through its error callback and ends the watch.
        Assert.Equal(0, events);
        var error = Assert.IsType<KubernetesException>(Assert.Single(errors));
        Assert.Equal(410, error.Status.Code);
        Assert.Equal("Expired", error.Status.Reason);
    }

    [Fact]
    public async Task Pods_Should_FilterByLabelSelector_And_NodeName()
    {
        // Arrange
        await Client.CoreV1.CreateNamespacedPodAsync(NewPod("agent-1", "node-1", "cryo-agent"), Ns);
        await Client.CoreV1.CreateNamespacedPodAsync(NewPod("agent-2", "node-2", "cryo-agent"), Ns);
        await Client.CoreV1.CreateNamespacedPodAsync(NewPod("web", "node-1", "web"), Ns);

        // Act
        var onNode1 = await Client.CoreV1.ListNamespacedPodAsync(Ns, labelSelector: "app in (cryo-agent),tier!=x", fieldSelector: "spec.nodeName=node-1");
        var agents = await Client.CoreV1.ListPodForAllNamespacesAsync(labelSelector: "app=cryo-agent");
        var notAgents = await Client.CoreV1.ListNamespacedPodAsync(Ns, labelSelector: "app!=cryo-agent");
        var badField = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.ListNamespacedPodAsync(Ns, fieldSelector: "spec.bogus=1"));

        // Assert
        Assert.Equal(["agent-1"], onNode1.Items.Select(p => p.Metadata.Name));
        Assert.Equal(["agent-1", "agent-2"], agents.Items.Select(p => p.Metadata.Name));
        Assert.Equal(["web"], notAgents.Items.Select(p => p.Metadata.Name));
        Assert.Equal(HttpStatusCode.BadRequest, badField.Response.StatusCode);
    }

    [Fact]
    public async Task PodStatus_Should_BeSettable_ThroughStatusSubresource_LikeAKubelet()
    {
        // Arrange
        var pod = await Client.CoreV1.CreateNamespacedPodAsync(NewPod("web", "node-1", "web"), Ns);

        var pending = pod.Status.Phase;

        // Act
        pod.Status = new V1PodStatus
        {
            Phase = "Running",
            PodIP = "10.0.0.5",
            ContainerStatuses = [new V1ContainerStatus { Name = "app", ContainerID = "containerd://abc", Ready = true, Image = "img", ImageID = "img", State = new V1ContainerState { Running = new V1ContainerStateRunning() } }],
        };
        var running = await Client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, "web", Ns);

        // Assert
        Assert.Equal("Pending", pending);
        Assert.Equal("Running", running.Status.Phase);
        Assert.Equal("containerd://abc", (await Client.CoreV1.ReadNamespacedPodAsync("web", Ns)).Status.ContainerStatuses[0].ContainerID);
    }

    [Fact]
    public async Task PodStatusStrategicMergePatch_Should_MergeConditionsByType_And_ChangeNothingButStatus()
    {
        // Arrange: a running pod whose kubelet reported two conditions.
        var pod = await Client.CoreV1.CreateNamespacedPodAsync(NewPod("web", "node-1", "web"), Ns);
        pod.Status = new V1PodStatus
        {
            Phase = "Running",
            Conditions = [new V1PodCondition { Type = "ContainersReady", Status = "True" }, new V1PodCondition { Type = "Ready", Status = "True" }],
        };
        var running = await Client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, "web", Ns);
        const string restoring = """
            {"spec":{"nodeName":"node-9"},"metadata":{"labels":{"app":"other"}},
             "status":{"conditions":[{"type":"cryo.io/restored","status":"False","reason":"Restoring"}]}}
            """;
        const string restored = """{"status":{"conditions":[{"type":"cryo.io/restored","status":"True","reason":"Restored"}]}}""";
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var watch = Client.CoreV1.ListNamespacedPodWithHttpMessagesAsync(Ns, watch: true, resourceVersion: running.Metadata.ResourceVersion, cancellationToken: cts.Token);

        // Act
        var first = await Client.CoreV1.PatchNamespacedPodStatusAsync(new V1Patch(restoring, V1Patch.PatchType.StrategicMergePatch), "web", Ns);
        var second = await Client.CoreV1.PatchNamespacedPodStatusAsync(new V1Patch(restored, V1Patch.PatchType.StrategicMergePatch), "web", Ns);
        var again = await Client.CoreV1.PatchNamespacedPodStatusAsync(new V1Patch(restored, V1Patch.PatchType.StrategicMergePatch), "web", Ns);
        var seen = new List<(WatchEventType, string?)>();
        await foreach (var (type, changed) in watch.WatchAsync<V1Pod, V1PodList>(cancellationToken: cts.Token))
        {
            seen.Add((type, changed.Status.Conditions.Single(c => c.Type == "cryo.io/restored").Status));
            if (seen.Count == 2)
            {
                break;
            }
        }

        // Assert: the condition joins the kubelet's and is then replaced in place; spec and labels stay.
        Assert.Equal(["ContainersReady", "Ready", "cryo.io/restored"], first.Status.Conditions.Select(c => c.Type));
        Assert.Equal(("node-1", "web"), (first.Spec.NodeName, first.Metadata.Labels["app"]));
        Assert.Equal(["ContainersReady", "Ready", "cryo.io/restored"], second.Status.Conditions.Select(c => c.Type));
        Assert.Equal(("True", "Restored"), (second.Status.Conditions[2].Status, second.Status.Conditions[2].Reason));
        Assert.True(long.Parse(second.Metadata.ResourceVersion) > long.Parse(first.Metadata.ResourceVersion));
        Assert.True(long.Parse(first.Metadata.ResourceVersion) > long.Parse(running.Metadata.ResourceVersion));
        Assert.Equal(second.Metadata.ResourceVersion, again.Metadata.ResourceVersion);
        Assert.Equal([(WatchEventType.Modified, "False"), (WatchEventType.Modified, "True")], seen);
    }

    [Fact]
    public async Task StrategicMergePatch_Should_BeRefused_ForCustomResources_LikeTheRealServer()
    {
        // Arrange
        await CreateAsync(NewCheckpoint("a"));

        // Act
        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            PatchAsync("a", new V1Patch("""{"metadata":{"labels":{"a":"1"}}}""", V1Patch.PatchType.StrategicMergePatch)));

        // Assert
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, error.Response.StatusCode);
        Assert.Null((await GetAsync("a")).Metadata.Labels);
    }

    [Fact]
    public async Task Binding_Should_AssignAnUnscheduledPodToANode_Once_LikeTheScheduler()
    {
        // Arrange
        await Client.CoreV1.CreateNamespacedPodAsync(NewPod("free", null, "free"), Ns);
        var binding = new V1Binding { Metadata = new V1ObjectMeta { Name = "free" }, Target = new V1ObjectReference { Kind = "Node", Name = "node-2" } };

        // Act
        await Client.CoreV1.CreateNamespacedPodBindingAsync(binding, "free", Ns);
        var bound = await Client.CoreV1.ReadNamespacedPodAsync("free", Ns);
        binding.Target.Name = "node-3";
        var again = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedPodBindingAsync(binding, "free", Ns));

        // Assert
        Assert.Equal("node-2", bound.Spec.NodeName);
        Assert.Equal(HttpStatusCode.Conflict, again.Response.StatusCode);
        Assert.Equal("node-2", (await Client.CoreV1.ReadNamespacedPodAsync("free", Ns)).Spec.NodeName);
    }

    [Fact]
    public async Task Leases_Should_ConflictOnStaleUpdates()
    {
        // Arrange
        var lease = await Client.CoordinationV1.CreateNamespacedLeaseAsync(
            new V1Lease { Metadata = new V1ObjectMeta { Name = "cryo-operator" }, Spec = new V1LeaseSpec { HolderIdentity = "a" } }, Ns);
        var stale = await Client.CoordinationV1.ReadNamespacedLeaseAsync("cryo-operator", Ns);
        lease.Spec.HolderIdentity = "b";
        await Client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, "cryo-operator", Ns);

        // Act
        stale.Spec.HolderIdentity = "c";
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoordinationV1.ReplaceNamespacedLeaseAsync(stale, "cryo-operator", Ns));

        // Assert
        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        Assert.Equal("b", (await Client.CoordinationV1.ReadNamespacedLeaseAsync("cryo-operator", Ns)).Spec.HolderIdentity);
    }

    [Fact]
    public async Task Events_Should_BeCreatedAndListedByField()
    {
        // Arrange
        var ev = new Corev1Event
        {
            Metadata = new V1ObjectMeta { GenerateName = "a." },
            InvolvedObject = new V1ObjectReference { Kind = "Checkpoint", Name = "a", NamespaceProperty = Ns },
            Reason = "CheckpointStarted",
            Type = "Normal",
            Message = "m",
        };

        // Act
        var created = await Client.CoreV1.CreateNamespacedEventAsync(ev, Ns);
        var listed = await Client.CoreV1.ListNamespacedEventAsync(Ns, fieldSelector: "involvedObject.name=a,reason=CheckpointStarted");

        // Assert
        Assert.StartsWith("a.", created.Metadata.Name);
        Assert.Single(listed.Items);
    }

    [Fact]
    public async Task DeletingAnOwner_Should_DeleteItsDependents()
    {
        // Arrange
        var owner = await CreateAsync(NewCheckpoint("owner"));
        var pod = NewPod("owned", "node-1", "web");
        pod.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = CryoNames.ApiVersion, Kind = Checkpoint.KindName, Name = "owner", Uid = owner.Metadata.Uid, Controller = true }];
        await Client.CoreV1.CreateNamespacedPodAsync(pod, Ns);

        // Act
        await Client.CustomObjects.DeleteNamespacedCustomObjectAsync(CryoNames.Group, CryoNames.Version, Ns, Checkpoint.Plural, "owner");

        // Assert: the pod runs on a node, so it is deleted gracefully: marked now, removed once its kubelet is done.
        await Eventually.TrueAsync(async () => (await Client.CoreV1.ListNamespacedPodAsync(Ns)).Items.All(p => p.Metadata.DeletionGracePeriodSeconds == 30));
    }

    [Fact]
    public async Task AnObjectWhoseOwnersAreAllGone_Should_BeDeleted_When_ItIsCreatedOrReOwned()
    {
        // Arrange: an owner deleted before its dependents were made (a controller's pass that raced its deletion), and
        // one that exists; a made-up owner of a kind this server does not serve cannot be looked up.
        var gone = await CreateAsync(NewCheckpoint("gone"));
        await Client.CustomObjects.DeleteNamespacedCustomObjectAsync(CryoNames.Group, CryoNames.Version, Ns, Checkpoint.Plural, "gone");
        var alive = await CreateAsync(NewCheckpoint("alive"));
        V1OwnerReference Of(Checkpoint c) => new() { ApiVersion = CryoNames.ApiVersion, Kind = Checkpoint.KindName, Name = c.Metadata.Name, Uid = c.Metadata.Uid };
        var orphan = NewPod("orphan", null, "a");
        orphan.Metadata.OwnerReferences = [Of(gone)];
        var kept = NewPod("kept", null, "b");
        kept.Metadata.OwnerReferences = [Of(gone), Of(alive)];
        var replicaSet = NewPod("replica", null, "c");
        replicaSet.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = "web-1", Uid = Guid.NewGuid().ToString() }];
        var reOwned = NewPod("re-owned", null, "d");

        // Act
        foreach (var pod in new[] { orphan, kept, replicaSet, reOwned })
        {
            await Client.CoreV1.CreateNamespacedPodAsync(pod, Ns);
        }

        var owners = new { metadata = new { ownerReferences = new[] { Of(gone) } } };
        await Client.CoreV1.PatchNamespacedPodAsync(new V1Patch(KubernetesJson.Serialize(owners), V1Patch.PatchType.MergePatch), "re-owned", Ns);

        // Assert
        await Eventually.TrueAsync(async () => (await Client.CoreV1.ListNamespacedPodAsync(Ns)).Items.Select(p => p.Metadata.Name).Order().SequenceEqual(["kept", "replica"]),
            "the pods whose owners are all gone are deleted");
    }

    [Fact]
    public async Task DeletingAPodOnANode_Should_MarkItWithItsGracePeriod_Until_TheKubeletDeletesItWithGraceZero()
    {
        // Arrange
        var pod = NewPod("web", "node-1", "web");
        pod.Spec.TerminationGracePeriodSeconds = 45;
        await Client.CoreV1.CreateNamespacedPodAsync(pod, Ns);

        // Act
        await Client.CoreV1.DeleteNamespacedPodAsync("web", Ns);
        var terminating = await Client.CoreV1.ReadNamespacedPodAsync("web", Ns);
        await Client.CoreV1.DeleteNamespacedPodAsync("web", Ns, gracePeriodSeconds: 60); // longer: ignored
        var unchanged = await Client.CoreV1.ReadNamespacedPodAsync("web", Ns);
        await Client.CoreV1.DeleteNamespacedPodAsync("web", Ns, gracePeriodSeconds: 10); // shorter: taken
        var shortened = await Client.CoreV1.ReadNamespacedPodAsync("web", Ns);
        await Client.CoreV1.DeleteNamespacedPodAsync("web", Ns, gracePeriodSeconds: 0); // the kubelet, done
        var left = (await Client.CoreV1.ListNamespacedPodAsync(Ns)).Items;

        // Assert
        Assert.Equal(45, terminating.Metadata.DeletionGracePeriodSeconds);
        var created = terminating.Metadata.CreationTimestamp!.Value;
        Assert.InRange(terminating.Metadata.DeletionTimestamp!.Value, created.AddSeconds(44), created.AddSeconds(50));
        Assert.Equal((45L, terminating.Metadata.DeletionTimestamp), (unchanged.Metadata.DeletionGracePeriodSeconds!.Value, unchanged.Metadata.DeletionTimestamp));
        Assert.Equal(10, shortened.Metadata.DeletionGracePeriodSeconds);
        Assert.Empty(left);
    }

    [Fact]
    public async Task DeletingAPod_Should_RemoveItAtOnce_When_NoNodeRunsIt_OrItEnded_OrTheGraceIsZero()
    {
        // Arrange
        await Client.CoreV1.CreateNamespacedPodAsync(NewPod("pending", null, "a"), Ns);
        await Client.CoreV1.CreateNamespacedPodAsync(NewPod("ended", "node-1", "b"), Ns);
        var ended = await Client.CoreV1.ReadNamespacedPodAsync("ended", Ns);
        ended.Status.Phase = "Succeeded";
        await Client.CoreV1.ReplaceNamespacedPodStatusAsync(ended, "ended", Ns);
        await Client.CoreV1.CreateNamespacedPodAsync(NewPod("now", "node-1", "c"), Ns);

        // Act
        await Client.CoreV1.DeleteNamespacedPodAsync("pending", Ns);
        await Client.CoreV1.DeleteNamespacedPodAsync("ended", Ns);
        await Client.CoreV1.DeleteNamespacedPodAsync("now", Ns, gracePeriodSeconds: 0);

        // Assert
        Assert.Empty((await Client.CoreV1.ListNamespacedPodAsync(Ns)).Items);
    }

    private static Checkpoint NewCheckpoint(string name) =>
        new() { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Ns }, Spec = new CheckpointSpec { PodName = "pod" } };

    private static V1Pod NewPod(string name, string? node, string app) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = app } },
        Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "app", Image = "img" }] },
    };

    private Task<Checkpoint> CreateAsync(Checkpoint c) =>
        Client.CustomObjects.CreateNamespacedCustomObjectAsync<Checkpoint>(c, CryoNames.Group, CryoNames.Version, Ns, Checkpoint.Plural);

    private Task<Checkpoint> GetAsync(string name) =>
        Client.CustomObjects.GetNamespacedCustomObjectAsync<Checkpoint>(CryoNames.Group, CryoNames.Version, Ns, Checkpoint.Plural, name);

    private Task<Checkpoint> ReplaceAsync(Checkpoint c) =>
        Client.CustomObjects.ReplaceNamespacedCustomObjectAsync<Checkpoint>(c, CryoNames.Group, CryoNames.Version, Ns, Checkpoint.Plural, c.Metadata.Name);

    private Task<Checkpoint> PatchAsync(string name, V1Patch patch) =>
        Client.CustomObjects.PatchNamespacedCustomObjectAsync<Checkpoint>(patch, CryoNames.Group, CryoNames.Version, Ns, Checkpoint.Plural, name);
}
