using Cryo.Api;
using Cryo.Operator.Restores;
using k8s.Models;

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
        var pod = PlaceholderPodBuilder.Build(restore, spec, "app", "c", "agent:1");

        // Assert
        var app = pod.Spec.Containers[0];
        Assert.Equal("r", pod.Metadata.Name);
        Assert.Null(pod.Spec.NodeName);
        Assert.Equal("a", pod.Spec.NodeSelector["zone"]);
        Assert.Equal([PlaceholderPodBuilder.PlaceholderCommand], app.Command);
        Assert.Null(app.Args);
        Assert.Null(app.LivenessProbe);
        Assert.NotNull(app.ReadinessProbe);
        Assert.Equal(["/data", CryoNames.PlaceholderMountPath], app.VolumeMounts.Select(m => m.MountPath));
        Assert.Equal(["/side"], pod.Spec.Containers[1].Command);
        Assert.Equal(["data", CryoNames.PlaceholderVolumeName], pod.Spec.Volumes.Select(v => v.Name));
        Assert.Equal(CryoNames.PlaceholderInitContainerName, pod.Spec.InitContainers[0].Name);
        Assert.Equal(["/app"], spec.Containers[0].Command); // the recorded spec itself is untouched
        Assert.Equal(("r", "c"), (pod.Metadata.Labels[CryoNames.RestoreLabel], pod.Metadata.Labels[CryoNames.CheckpointLabel]));
        Assert.True(pod.Metadata.OwnerReferences[0].Controller);
        Assert.Equal(["example.com/lb-registered", CryoNames.RestoredCondition], pod.Spec.ReadinessGates.Select(g => g.ConditionType));
    }
}
