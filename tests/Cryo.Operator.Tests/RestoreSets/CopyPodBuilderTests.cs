using Cryo.Operator.RestoreSets;

namespace Cryo.Operator.Tests.RestoreSets;

public sealed class CopyPodBuilderTests
{
    [Fact]
    public void Build_Should_LayTheTemplateOverThePlaceholderPod_AndLeaveTheContainerAsCheckpointed()
    {
        // Arrange
        var set = Set(new PodOverlay
        {
            Metadata = new PodOverlayMetadata
            {
                Labels = new Dictionary<string, string> { ["app"] = "ci", [CryoNames.RestoreLabel] = "not-a-copy" },
                Annotations = new Dictionary<string, string> { ["sidecar.example.com/inject"] = "false" },
            },
            Spec = new PodSpecOverlay
            {
                NodeSelector = new Dictionary<string, string> { ["disk"] = "ssd" },
                Tolerations = [new V1Toleration { Key = "ci", OperatorProperty = "Exists", Effect = "NoSchedule" }],
                Affinity = new V1Affinity { PodAntiAffinity = new V1PodAntiAffinity() },
                TopologySpreadConstraints = [new V1TopologySpreadConstraint { MaxSkew = 1, TopologyKey = "kubernetes.io/hostname", WhenUnsatisfiable = "ScheduleAnyway" }],
                PriorityClassName = "ci-low",
                RestartPolicy = PodRestartPolicy.Never,
            },
        });

        // Act
        var template = CopyPodBuilder.Build(set, Checkpoint(), PlaceholderSource.InitContainer("agent:1"));
        var pod = template.NewPod("ci-abcde");

        // Assert: placed and scheduled as the template says, owned by the set, not pinned to the checkpointed node.
        var spec = pod.Spec;
        Assert.Equal(("ci-abcde", "apps"), (pod.Metadata.Name, pod.Metadata.NamespaceProperty));
        Assert.Null(spec.NodeName);
        Assert.Equal("ssd", spec.NodeSelector["disk"]);
        Assert.Equal("ci", Assert.Single(spec.Tolerations).Key);
        Assert.NotNull(spec.Affinity.PodAntiAffinity);
        Assert.Equal("kubernetes.io/hostname", Assert.Single(spec.TopologySpreadConstraints).TopologyKey);
        Assert.Equal(("ci-low", null, null), (spec.PriorityClassName, spec.Priority, spec.PreemptionPolicy));
        Assert.Equal(PodRestartPolicy.Never, spec.RestartPolicy);
        var owner = Assert.Single(pod.Metadata.OwnerReferences);
        Assert.Equal((RestoreSet.KindName, "set-uid", true, true), (owner.Kind, owner.Uid, owner.Controller, owner.BlockOwnerDeletion));

        // Assert: Cryo's labels, not the user's under cryo.io/: a warm pod must not match the copies' selector.
        Assert.Equal("ci", pod.Metadata.Labels["app"]);
        Assert.False(pod.Metadata.Labels.ContainsKey(CryoNames.RestoreLabel));
        Assert.Equal(("ci", template.Hash, "web-1"),
            (pod.Metadata.Labels[CryoNames.RestoreSetLabel], pod.Metadata.Labels[CryoNames.TemplateHashLabel], pod.Metadata.Labels[CryoNames.CheckpointLabel]));
        Assert.Equal(("false", "app"), (pod.Metadata.Annotations["sidecar.example.com/inject"], pod.Metadata.Annotations[CryoNames.PlaceholderContainerAnnotation]));

        // Assert: the container is the checkpointed one running the placeholder, which waits for its copy without a limit.
        var app = spec.Containers.Single();
        Assert.Equal(("img:1", PlaceholderPodBuilder.PlaceholderCommand), (app.Image, app.Command.Single()));
        Assert.Equal([("TZ", "UTC"), (CryoNames.PlaceholderTimeoutVariable, "0")], app.Env.Select(e => (e.Name, e.Value)));
        Assert.Contains(spec.ReadinessGates, g => g.ConditionType == CryoNames.RestoredCondition);
        Assert.Equal(("app", "web-1"), (template.ContainerName, template.CheckpointName));
    }

    [Fact]
    public void Build_Should_KeepTheCheckpointedPodsFields_When_TheTemplateSetsNone()
    {
        // Act
        var pod = CopyPodBuilder.Build(Set(null), Checkpoint(), PlaceholderSource.InitContainer("agent:1")).NewPod("ci-abcde");

        // Assert
        Assert.Equal(("Always", "high", 1000), (pod.Spec.RestartPolicy, pod.Spec.PriorityClassName, pod.Spec.Priority));
        Assert.Equal("b", pod.Spec.NodeSelector["zone"]);
    }

    [Fact]
    public void Hash_Should_StayTheSame_ForTheSameTemplate_AndChangeWithIt()
    {
        // Act
        var first = CopyPodBuilder.Build(Set(null), Checkpoint(), PlaceholderSource.InitContainer("agent:1")).Hash;
        var same = CopyPodBuilder.Build(Set(null), Checkpoint(), PlaceholderSource.InitContainer("agent:1")).Hash;
        var labelled = CopyPodBuilder.Build(Set(new PodOverlay { Metadata = new PodOverlayMetadata { Labels = new Dictionary<string, string> { ["a"] = "b" } } }), Checkpoint(), PlaceholderSource.InitContainer("agent:1")).Hash;
        var upgraded = CopyPodBuilder.Build(Set(null), Checkpoint(), PlaceholderSource.InitContainer("agent:2")).Hash;
        var otherImage = Checkpoint();
        otherImage.Status!.PodSpec!.Containers[0].Image = "img:2";
        var reimaged = CopyPodBuilder.Build(Set(null), otherImage, PlaceholderSource.InitContainer("agent:1")).Hash;

        // Assert: a warm pod is replaced when what it is built from changes (the template, the Checkpoint's pod, the operator's placeholder).
        Assert.Equal(first, same);
        Assert.Equal(10, first.Length);
        Assert.Equal(4, new[] { first, labelled, upgraded, reimaged }.Distinct().Count());
    }

    private static RestoreSet Set(PodOverlay? template) => new()
    {
        Metadata = new V1ObjectMeta { Name = "ci", NamespaceProperty = "apps", Uid = "set-uid" },
        Spec = new RestoreSetSpec { CheckpointName = "web-1", Template = template },
    };

    private static Checkpoint Checkpoint() => new()
    {
        Metadata = new V1ObjectMeta { Name = "web-1", NamespaceProperty = "apps" },
        Spec = new CheckpointSpec { PodName = "web" },
        Status = new CheckpointStatus
        {
            Phase = Phase.Succeeded,
            PodSpec = new V1PodSpec
            {
                NodeName = "node-1",
                NodeSelector = new Dictionary<string, string> { ["zone"] = "b" },
                RestartPolicy = "Always",
                PriorityClassName = "high",
                Priority = 1000,
                Containers =
                [
                    new V1Container
                    {
                        Name = "app", Image = "img:1", Command = ["/app"],
                        Env = [new V1EnvVar { Name = "TZ", Value = "UTC" }, new V1EnvVar { Name = CryoNames.PlaceholderTimeoutVariable, Value = "600" }],
                    },
                ],
            },
        },
    };
}
