using k8s.Models;

namespace Cryo.Agent.Tests.Node;

/// <summary>The kubelet's rules the node harness reproduces, checked against what the kubelet documents.</summary>
public sealed class KubeletRulesTests
{
    [Theory]
    [InlineData(null, null, null, null, KubeletQos.BestEffort)]
    [InlineData("100m", null, null, null, KubeletQos.Burstable)]
    [InlineData("100m", "64Mi", "100m", "64Mi", KubeletQos.Guaranteed)]
    [InlineData(null, null, "100m", "64Mi", KubeletQos.Guaranteed)]
    [InlineData("50m", "64Mi", "100m", "64Mi", KubeletQos.Burstable)]
    [InlineData(null, null, "100m", null, KubeletQos.Burstable)]
    public void QosClass_Should_FollowTheKubeletsRules_When_OneContainerAsks(string? cpuRequest, string? memoryRequest, string? cpuLimit, string? memoryLimit, string expected)
    {
        var spec = new V1PodSpec { Containers = [Container("a", (cpuRequest, memoryRequest), (cpuLimit, memoryLimit))] };

        Assert.Equal(expected, KubeletQos.QosClass(spec));
    }

    [Fact]
    public void QosClass_Should_BeBurstable_When_OnlyOneOfTwoContainersIsLimited()
    {
        var spec = new V1PodSpec { Containers = [Container("a", (null, null), ("100m", "64Mi")), Container("b", (null, null), (null, null))] };

        Assert.Equal(KubeletQos.Burstable, KubeletQos.QosClass(spec));
        Assert.Equal(new PodResources(102, null, null), KubeletQos.ForPod(spec));
    }

    [Theory]
    [InlineData(KubeletQos.BestEffort, "/kubepods/besteffort/podU")]
    [InlineData(KubeletQos.Burstable, "/kubepods/burstable/podU")]
    [InlineData(KubeletQos.Guaranteed, "/kubepods/podU")]
    public void CgroupParent_Should_GiveGuaranteedPodsNoLevelOfTheirOwn_When_UsingCgroupfs(string qos, string expected) =>
        Assert.Equal(expected, KubeletQos.CgroupParent(qos, "U"));

    [Theory]
    [InlineData(KubeletQos.Guaranteed, 0, -997)]
    [InlineData(KubeletQos.BestEffort, 0, 1000)]
    [InlineData(KubeletQos.Burstable, 0, 999)]
    [InlineData(KubeletQos.Burstable, 500, 500)]
    [InlineData(KubeletQos.Burstable, 1000, 3)]
    public void OomScoreAdj_Should_ScaleBurstableByTheMemoryRequest_When_CapacityIs1000(string qos, long request, long expected) =>
        Assert.Equal(expected, KubeletQos.OomScoreAdj(qos, request, 1000));

    [Theory]
    [InlineData("$(A)-$(B)", "1-$(B)")]
    [InlineData("$$(A)", "$(A)")]
    [InlineData("cost $5 $(A", "cost $5 $(A")]
    [InlineData("$(A)$(A)$", "11$")]
    public void Expand_Should_ReplaceOnlyDefinedReferences_When_KubernetesExpansionRulesApply(string input, string expected) =>
        Assert.Equal(expected, KubeletEnvironment.Expand(input, name => name == "A" ? "1" : null));

    [Fact]
    public void Create_Should_AddTheServiceAccountVolumeReadOnlyToEveryContainer_When_AutomountIsNotDisabled()
    {
        var pod = TestPods.Shell("sa", "true");
        pod.Spec.InitContainers = [TestPods.ShellContainer("init", "true")];

        var plan = PodPlan.Create(pod);

        var volume = Assert.Single(plan.Pod.Spec.Volumes);
        Assert.StartsWith("kube-api-access-", volume.Name);
        Assert.All(plan.InitContainers.Concat(plan.Containers), c =>
            Assert.Contains(c.VolumeMounts, m => m.Name == volume.Name && m.MountPath == PodPlan.ServiceAccountMountPath && m.ReadOnlyProperty == true));
        Assert.Null(pod.Spec.Volumes);
        Assert.False(string.IsNullOrEmpty(plan.Uid));
    }

    [Fact]
    public void Create_Should_AddNoServiceAccountVolume_When_AutomountIsDisabled()
    {
        var pod = TestPods.Shell("sa", "true");
        pod.Spec.AutomountServiceAccountToken = false;

        Assert.Null(PodPlan.Create(pod).Pod.Spec.Volumes);
    }

    [Fact]
    public void Dns_Should_UseTheClusterDnsAndSearchPath_When_PolicyIsClusterFirst()
    {
        var pod = TestPods.Shell("dns", "true");
        pod.Spec.DnsConfig = new V1PodDNSConfig { Options = [new V1PodDNSConfigOption { Name = "ndots", Value = "2" }], Searches = ["example.com"] };

        var dns = KubeletConfigs.Dns(pod);

        Assert.Equal([KubeletConfigs.ClusterDns], dns.Servers);
        Assert.Equal(["cryo-test.svc.cluster.local", "svc.cluster.local", "cluster.local"], dns.Searches.Take(3));
        Assert.Equal("example.com", dns.Searches[^1]);
        Assert.Equal(["ndots:2"], dns.Options);
    }

    private static V1Container Container(string name, (string? Cpu, string? Memory) requests, (string? Cpu, string? Memory) limits) => new()
    {
        Name = name,
        Image = NodeImages.Busybox,
        Resources = new V1ResourceRequirements { Requests = Quantities(requests), Limits = Quantities(limits) },
    };

    private static Dictionary<string, ResourceQuantity>? Quantities((string? Cpu, string? Memory) values)
    {
        var result = new Dictionary<string, ResourceQuantity>();
        if (values.Cpu is not null)
        {
            result["cpu"] = new ResourceQuantity(values.Cpu);
        }

        if (values.Memory is not null)
        {
            result["memory"] = new ResourceQuantity(values.Memory);
        }

        return result.Count == 0 ? null : result;
    }
}
