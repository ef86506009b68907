using System.Net;
using System.Runtime.CompilerServices;
using k8s.Autorest;
using YamlDotNet.Serialization;

// WatchAsync over a list call is the client's only watch for custom resources.
#pragma warning disable CS0618

namespace Cryo.Operator.Tests.ApiServer;

/// <summary>
/// The scale subresource of RestoreSets behaves as the API server serves a CRD's: what <c>kubectl scale</c> (a merge
/// patch of .../scale) and the HorizontalPodAutoscaler (a GET and a PUT of .../scale) see and change, through the real
/// KubernetesClient.
/// </summary>
public sealed class ScaleSubresourceTests : ApiServerTest
{
    private const string Ns = "default";
    [Fact]
    public async Task Get_Should_ReadSpecAndStatusThroughTheCrdsPaths()
    {
        // Arrange
        var set = await CreateAsync("web", replicas: 3);
        set.Status = new RestoreSetStatus { Replicas = 2, Selector = "cryo.io/restore-set=web,cryo.io/restore" };
        set = await Client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<RestoreSet>(set, CryoNames.Group, CryoNames.Version, Ns, RestoreSet.Plural, "web");

        // Act
        var scale = await GetScaleAsync("web");

        // Assert: an autoscaling/v1 Scale carrying the object's identity.
        Assert.Equal(("autoscaling/v1", "Scale"), (scale.ApiVersion, scale.Kind));
        Assert.Equal((set.Metadata.Name, Ns, set.Metadata.Uid, set.Metadata.ResourceVersion),
            (scale.Metadata.Name, scale.Metadata.NamespaceProperty, scale.Metadata.Uid, scale.Metadata.ResourceVersion));
        Assert.Equal(3, scale.Spec.Replicas);
        Assert.Equal(2, scale.Status.Replicas);
        Assert.Equal("cryo.io/restore-set=web,cryo.io/restore", scale.Status.Selector);
    }

    [Fact]
    public async Task Get_Should_ReadZeroAndNoSelector_When_TheObjectHasNoStatusYet()
    {
        // Arrange
        await CreateAsync("web", replicas: 3);

        // Act
        var scale = await GetScaleAsync("web");

        // Assert
        Assert.Equal(0, scale.Status.Replicas);
        Assert.Null(scale.Status.Selector);
    }

    [Fact]
    public async Task Replace_Should_WriteSpecReplicas_MoveTheGeneration_AndNotifyWatchers()
    {
        // Arrange: an autoscaler reads the Scale, then writes it back with its resourceVersion.
        var created = await CreateAsync("web", replicas: 1);
        var watch = Client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<RestoreSetList>(
            CryoNames.Group, CryoNames.Version, Ns, RestoreSet.Plural, watch: true, resourceVersion: created.Metadata.ResourceVersion);
        var scale = await GetScaleAsync("web");
        scale.Spec.Replicas = 5;

        // Act
        var written = await Client.CustomObjects.ReplaceNamespacedCustomObjectScaleAsync<V1Scale>(
            scale, CryoNames.Group, CryoNames.Version, Ns, RestoreSet.Plural, "web");
        var set = await GetAsync("web");

        // Assert
        Assert.Equal(5, written.Spec.Replicas);
        Assert.Equal(5, set.Spec.Replicas);
        Assert.Equal(2, set.Metadata.Generation);
        Assert.Equal(set.Metadata.ResourceVersion, written.Metadata.ResourceVersion);
        await foreach (var (type, seen) in watch.WatchAsync<RestoreSet, RestoreSetList>())
        {
            Assert.Equal((WatchEventType.Modified, 5), (type, seen.Spec.Replicas));
            break;
        }
    }

    [Fact]
    public async Task Replace_Should_Conflict_When_TheScalesResourceVersionIsStale()
    {
        // Arrange: the object changes between the autoscaler's read and its write.
        await CreateAsync("web", replicas: 1);
        var scale = await GetScaleAsync("web");
        await PatchScaleAsync("web", """{"spec":{"replicas":2}}""", V1Patch.PatchType.MergePatch);
        scale.Spec.Replicas = 5;

        // Act
        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            Client.CustomObjects.ReplaceNamespacedCustomObjectScaleAsync<V1Scale>(scale, CryoNames.Group, CryoNames.Version, Ns, RestoreSet.Plural, "web"));

        // Assert
        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        Assert.Equal(2, (await GetAsync("web")).Spec.Replicas);
    }

    [Theory]
    [InlineData(V1Patch.PatchType.MergePatch)]
    [InlineData(V1Patch.PatchType.StrategicMergePatch)]
    public async Task Patch_Should_WriteSpecReplicas_AsKubectlScaleDoes(V1Patch.PatchType type)
    {
        // Arrange
        await CreateAsync("web", replicas: 3);

        // Act: kubectl scale --replicas=0 sends {"spec":{"replicas":0}}; a Scale of 0 replicas leaves spec.replicas out.
        var written = await PatchScaleAsync("web", """{"spec":{"replicas":0}}""", type);
        var set = await GetAsync("web");

        // Assert
        Assert.Null(written.Spec.Replicas);
        Assert.Equal(0, set.Spec.Replicas);
        Assert.Equal(2, set.Metadata.Generation);
    }

    [Fact]
    public async Task Patch_Should_LeaveTheObjectAsItIs_When_ReplicasDoNotChange()
    {
        // Arrange
        var created = await CreateAsync("web", replicas: 3);

        // Act
        var written = await PatchScaleAsync("web", """{"spec":{"replicas":3}}""", V1Patch.PatchType.MergePatch);

        // Assert: a no-op write changes nothing, not even the resourceVersion.
        Assert.Equal(created.Metadata.ResourceVersion, written.Metadata.ResourceVersion);
        Assert.Equal(1, (await GetAsync("web")).Metadata.Generation);
    }

    [Fact]
    public async Task Patch_Should_RefuseNegativeReplicas()
    {
        // Arrange
        await CreateAsync("web", replicas: 3);

        // Act
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => PatchScaleAsync("web", """{"spec":{"replicas":-1}}""", V1Patch.PatchType.MergePatch));

        // Assert
        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        Assert.Contains("must be greater than or equal to 0", error.Response.Content);
        Assert.Equal(3, (await GetAsync("web")).Spec.Replicas);
    }

    [Fact]
    public async Task Scale_Should_BeNotFound_When_TheObjectIsMissing_OrTheResourceHasNoScaleSubresource()
    {
        // Arrange
        await Client.CustomObjects.CreateNamespacedCustomObjectAsync<Restore>(
            new Restore { Metadata = new V1ObjectMeta { Name = "copy", NamespaceProperty = Ns }, Spec = new RestoreSpec { CheckpointName = "c", NewPod = new NewPodTarget() } },
            CryoNames.Group, CryoNames.Version, Ns, Restore.Plural);

        // Act
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => GetScaleAsync("missing"));
        var none = await Assert.ThrowsAsync<HttpOperationException>(() =>
            Client.CustomObjects.GetNamespacedCustomObjectScaleAsync<V1Scale>(CryoNames.Group, CryoNames.Version, Ns, Restore.Plural, "copy"));

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
        Assert.Contains("restoresets.cryo.io", missing.Response.Content);
        Assert.Equal(HttpStatusCode.NotFound, none.Response.StatusCode);
    }

    [Fact]
    public void ScalePaths_Should_BeTheOnesTheCrdDeclares()
    {
        // Arrange
        var crd = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(File.ReadAllText(Crd("restoresets.cryo.io.yaml")));
        var version = (Dictionary<object, object>)((List<object>)((Dictionary<object, object>)crd["spec"])["versions"])[0];

        // Act
        var scale = (Dictionary<object, object>)((Dictionary<object, object>)version["subresources"])["scale"];

        // Assert
        Assert.Equal(new ScaleSubresource((string)scale["specReplicasPath"], (string)scale["statusReplicasPath"], (string)scale["labelSelectorPath"]),
            ResourceType.RestoreSets.Scale);
    }

    private static string Crd(string file, [CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "../../../crds", file));

    private Task<RestoreSet> CreateAsync(string name, int replicas) =>
        Client.CustomObjects.CreateNamespacedCustomObjectAsync<RestoreSet>(
            new RestoreSet { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Ns }, Spec = new RestoreSetSpec { CheckpointName = "c", Replicas = replicas } },
            CryoNames.Group, CryoNames.Version, Ns, RestoreSet.Plural);

    private Task<RestoreSet> GetAsync(string name) =>
        Client.CustomObjects.GetNamespacedCustomObjectAsync<RestoreSet>(CryoNames.Group, CryoNames.Version, Ns, RestoreSet.Plural, name);

    private Task<V1Scale> GetScaleAsync(string name) =>
        Client.CustomObjects.GetNamespacedCustomObjectScaleAsync<V1Scale>(CryoNames.Group, CryoNames.Version, Ns, RestoreSet.Plural, name);

    private Task<V1Scale> PatchScaleAsync(string name, string patch, V1Patch.PatchType type) =>
        Client.CustomObjects.PatchNamespacedCustomObjectScaleAsync<V1Scale>(new V1Patch(patch, type), CryoNames.Group, CryoNames.Version, Ns, RestoreSet.Plural, name);
}
