namespace Cryo.Operator.Tests.Restores;

public class PlaceholderPodBuilderTests
{
    [Fact]
    public void Build_Should_KeepTheCheckpointedSpec_And_SwapOnlyTheRestoredContainerForThePlaceholder()
    {
        // Arrange
        var spec = new V1PodSpec
        {
            NodeName = "old-node",
            ReadinessGates = [new V1PodReadinessGate { ConditionType = "example.com/lb-registered" }],
            Volumes = [new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource() }],
            Containers =
            [
                new V1Container
                {
                    Name = "app", Image = "img:1", Command = ["/app"], Args = ["--serve"],
                    LivenessProbe = new V1Probe(), ReadinessProbe = new V1Probe(),
                    VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/data" }],
                },
                new V1Container { Name = "sidecar", Image = "side:1", Command = ["/side"] },
            ],
        };
        var restore = new Restore
        {
            Metadata = new V1ObjectMeta { Name = "r", NamespaceProperty = "ns", Uid = "uid-1" },
            Spec = new RestoreSpec { CheckpointName = "c", NewPod = new NewPodTarget { NodeSelector = new Dictionary<string, string> { ["zone"] = "a" } } },
        };

        // Act
        var pod = PlaceholderPodBuilder.Build(restore, spec, "app", "c", PlaceholderSource.Csi());

        // Assert
        var app = pod.Spec.Containers[0];
        Assert.Equal("r", pod.Metadata.Name);
        Assert.Null(pod.Spec.NodeName);
        Assert.Equal("a", pod.Spec.NodeSelector["zone"]);
        Assert.Equal([PlaceholderPodBuilder.PlaceholderCommand], app.Command);
        Assert.Null(app.Args);
        Assert.Null(app.LivenessProbe);
        Assert.NotNull(app.ReadinessProbe);
        Assert.Equal(["/data", CryoNames.PlaceholderMountPath, CryoNames.PlaceholderHandoffMountPath], app.VolumeMounts.Select(m => m.MountPath));
        Assert.Equal(["/side"], pod.Spec.Containers[1].Command);
        Assert.Equal(["data", CryoNames.PlaceholderVolumeName, CryoNames.PlaceholderHandoffVolumeName], pod.Spec.Volumes.Select(v => v.Name));
        Assert.Empty(pod.Spec.InitContainers ?? []);
        Assert.Equal(["/app"], spec.Containers[0].Command); // the recorded spec itself is untouched
        Assert.Equal(("r", "c"), (pod.Metadata.Labels[CryoNames.RestoreLabel], pod.Metadata.Labels[CryoNames.CheckpointLabel]));
        Assert.True(pod.Metadata.OwnerReferences[0].Controller);
        Assert.Equal(["example.com/lb-registered", CryoNames.RestoredCondition], pod.Spec.ReadinessGates.Select(g => g.ConditionType));
    }

    [Fact]
    public void Build_Should_MountTheAgentsCsiVolumeReadOnly_AndAWritableHandoffOverIt_When_DeliveringThroughCsi()
    {
        // Act
        var pod = PlaceholderPodBuilder.Build(Restore(), Workload(), "app", "c", PlaceholderSource.Csi("placeholder.example.com"));

        // Assert: no init container (one kubelet pass); the program from a read-only csi volume, the handoff writable.
        var app = pod.Spec.Containers.Single();
        Assert.Null(pod.Spec.InitContainers);
        var csi = pod.Spec.Volumes.Single(v => v.Name == CryoNames.PlaceholderVolumeName).Csi;
        Assert.Equal(("placeholder.example.com", true), (csi.Driver, csi.ReadOnlyProperty));
        Assert.Equal("placeholder", csi.VolumeAttributes["contents"]);
        Assert.NotNull(pod.Spec.Volumes.Single(v => v.Name == CryoNames.PlaceholderHandoffVolumeName).EmptyDir);
        Assert.True(app.VolumeMounts.Single(m => m.Name == CryoNames.PlaceholderVolumeName).ReadOnlyProperty);
        Assert.Equal(CryoNames.PlaceholderHandoffMountPath, app.VolumeMounts.Single(m => m.Name == CryoNames.PlaceholderHandoffVolumeName).MountPath);
        Assert.Equal([PlaceholderPodBuilder.PlaceholderCommand], app.Command);
    }

    [Fact]
    public void Build_Should_CopyTheProgramWithAnUnprivilegedInitContainer_When_DeliveringThroughAnInitContainer()
    {
        // Act
        var pod = PlaceholderPodBuilder.Build(Restore(), Workload(), "app", "c", PlaceholderSource.InitContainer("agent:1"));

        // Assert
        var install = Assert.Single(pod.Spec.InitContainers);
        Assert.Equal((CryoNames.PlaceholderInitContainerName, "agent:1"), (install.Name, install.Image));
        Assert.Equal(["cp", CryoNames.PlaceholderProgramPath, PlaceholderPodBuilder.PlaceholderCommand], install.Command);
        Assert.NotNull(pod.Spec.Volumes.Single(v => v.Name == CryoNames.PlaceholderVolumeName).EmptyDir);
        Assert.Equal([CryoNames.PlaceholderMountPath], pod.Spec.Containers.Single().VolumeMounts.Select(m => m.MountPath));
        Assert.Equal((true, false), (install.SecurityContext.RunAsNonRoot, install.SecurityContext.AllowPrivilegeEscalation));
        Assert.Equal(PlaceholderPodBuilder.NobodyUser, install.SecurityContext.RunAsUser);
    }

    [Fact]
    public void Build_Should_RunTheInitContainerAsTheWorkloadsUser_When_TheWorkloadNamesOne()
    {
        // Arrange
        var spec = Workload();
        spec.SecurityContext = new V1PodSecurityContext { RunAsUser = 1000 };
        spec.Containers[0].SecurityContext = new V1SecurityContext { RunAsUser = 1001 };

        // Act
        var pod = PlaceholderPodBuilder.Build(Restore(), spec, "app", "c", PlaceholderSource.InitContainer("agent:1"));

        // Assert: the container's own user wins over the pod's, as the kubelet applies them.
        Assert.Equal(1001, pod.Spec.InitContainers[0].SecurityContext.RunAsUser);
    }

    [Theory]
    [InlineData(PlaceholderDelivery.Csi)]
    [InlineData(PlaceholderDelivery.InitContainer)]
    public void Build_Should_DeclareThePlaceholderOnce_When_TheCheckpointedPodWasItselfARestorePod(PlaceholderDelivery delivery)
    {
        // Arrange: a restored pod was checkpointed; its recorded spec carries the placeholder it was given.
        var source = new PlaceholderSource(delivery, "agent:1");
        var restored = PlaceholderPodBuilder.Build(Restore(), Workload(), "app", "c", PlaceholderSource.InitContainer("agent:1")).Spec;
        var again = PlaceholderPodBuilder.Build(Restore(), PlaceholderPodBuilder.Build(Restore(), Workload(), "app", "c", PlaceholderSource.Csi()).Spec, "app", "c", source);

        // Act
        var pod = PlaceholderPodBuilder.Build(Restore(), restored, "app", "c", source);

        // Assert: the API server refuses duplicate volume, mount and container names.
        foreach (var spec in new[] { pod.Spec, again.Spec })
        {
            Assert.Equal(spec.Volumes.Count, spec.Volumes.Select(v => v.Name).Distinct().Count());
            Assert.Equal(spec.Containers[0].VolumeMounts.Count, spec.Containers[0].VolumeMounts.Select(m => m.MountPath).Distinct().Count());
            Assert.True((spec.InitContainers?.Count ?? 0) <= 1);
        }
    }

    internal static Restore Restore() => new()
    {
        Metadata = new V1ObjectMeta { Name = "r", NamespaceProperty = "ns", Uid = "uid-1" },
        Spec = new RestoreSpec { CheckpointName = "c", NewPod = new NewPodTarget() },
    };

    private static V1PodSpec Workload() => new()
    {
        Containers = [new V1Container { Name = "app", Image = "img:1", Command = ["/app"] }],
    };
}
