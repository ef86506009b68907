using Cryo.Operator.Tests.Restores;

namespace Cryo.Operator.Tests.PodSecurity;

/// <summary>
/// A restore pod is created in the workload's namespace, so it must pass the Pod Security level that namespace
/// enforces, whichever way the placeholder is delivered: the checkpointed pod passed it, and nothing Cryo adds may
/// break it.
/// </summary>
public sealed class PlaceholderPodSecurityTests
{
    public static TheoryData<PlaceholderDelivery> Deliveries() => [PlaceholderDelivery.Csi, PlaceholderDelivery.InitContainer];

    [Theory]
    [MemberData(nameof(Deliveries))]
    public void RestorePod_Should_PassRestricted_When_TheCheckpointedPodDid(PlaceholderDelivery delivery)
    {
        // Arrange
        var workload = RestrictedWorkload();
        Assert.Empty(PodSecurityStandards.RestrictedViolations(new V1Pod { Metadata = new V1ObjectMeta(), Spec = workload }));

        // Act
        var pod = PlaceholderPodBuilder.Build(PlaceholderPodBuilderTests.Restore(), workload, "app", "c", new PlaceholderSource(delivery, "cryo/agent:1"));

        // Assert
        var problems = PodSecurityStandards.RestrictedViolations(pod);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [MemberData(nameof(Deliveries))]
    public void RestorePod_Should_PassRestricted_When_TheWorkloadsUserComesFromItsImage(PlaceholderDelivery delivery)
    {
        // Arrange: runAsNonRoot with no runAsUser: the image's USER (non-root) is what runs. The agent image's is root,
        // which the kubelet would refuse for an init container that inherited the pod's runAsNonRoot.
        var workload = RestrictedWorkload();
        workload.SecurityContext.RunAsUser = null;

        // Act
        var pod = PlaceholderPodBuilder.Build(PlaceholderPodBuilderTests.Restore(), workload, "app", "c", new PlaceholderSource(delivery, "cryo/agent:1"));

        // Assert
        var problems = PodSecurityStandards.RestrictedViolations(pod);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.All(pod.Spec.InitContainers ?? [], c => Assert.NotEqual(0, c.SecurityContext.RunAsUser ?? 0));
    }

    [Theory]
    [MemberData(nameof(Deliveries))]
    public void RestorePod_Should_PassBaseline_When_TheCheckpointedPodWasAPlainOne(PlaceholderDelivery delivery)
    {
        // Arrange: what most pods are: no security settings at all, running as the image's user.
        var workload = new V1PodSpec
        {
            Volumes = [new V1Volume { Name = "data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "data" } }],
            Containers = [new V1Container { Name = "app", Image = "img:1", VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/data" }] }],
        };

        // Act
        var pod = PlaceholderPodBuilder.Build(PlaceholderPodBuilderTests.Restore(), workload, "app", "c", new PlaceholderSource(delivery, "cryo/agent:1"));

        // Assert
        var problems = PodSecurityStandards.BaselineViolations(pod);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Checker_Should_ReportEachLevelsViolations()
    {
        // Arrange
        var hostPath = new V1Pod { Metadata = new V1ObjectMeta(), Spec = RestrictedWorkload() };
        hostPath.Spec.Volumes = [new V1Volume { Name = "h", HostPath = new V1HostPathVolumeSource { Path = "/" } }];
        var privileged = new V1Pod { Metadata = new V1ObjectMeta(), Spec = RestrictedWorkload() };
        privileged.Spec.Containers[0].SecurityContext.Privileged = true;
        var escalating = new V1Pod { Metadata = new V1ObjectMeta(), Spec = RestrictedWorkload() };
        escalating.Spec.InitContainers = [new V1Container { Name = "init", Image = "i" }];
        var root = new V1Pod { Metadata = new V1ObjectMeta(), Spec = RestrictedWorkload() };
        root.Spec.Containers[0].SecurityContext.RunAsUser = 0;

        // Act / Assert
        Assert.Contains(PodSecurityStandards.BaselineViolations(hostPath), p => p.StartsWith("HostPath Volumes", StringComparison.Ordinal));
        Assert.Contains(PodSecurityStandards.BaselineViolations(privileged), p => p.StartsWith("Privileged Containers", StringComparison.Ordinal));
        Assert.Empty(PodSecurityStandards.BaselineViolations(escalating));
        var restricted = PodSecurityStandards.RestrictedViolations(escalating);
        Assert.Contains(restricted, p => p.StartsWith("Privilege Escalation: initContainers[init]", StringComparison.Ordinal));
        Assert.Contains(restricted, p => p.StartsWith("Capabilities: initContainers[init]", StringComparison.Ordinal));
        Assert.Contains(PodSecurityStandards.RestrictedViolations(root), p => p.StartsWith("Running as Non-root user", StringComparison.Ordinal));
    }

    private static V1PodSpec RestrictedWorkload() => new()
    {
        SecurityContext = new V1PodSecurityContext
        {
            RunAsNonRoot = true,
            RunAsUser = 1000,
            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
        },
        Volumes = [new V1Volume { Name = "cache", EmptyDir = new V1EmptyDirVolumeSource() }],
        Containers =
        [
            new V1Container
            {
                Name = "app",
                Image = "img:1",
                SecurityContext = new V1SecurityContext
                {
                    AllowPrivilegeEscalation = false,
                    Capabilities = new V1Capabilities { Drop = ["ALL"] },
                },
                VolumeMounts = [new V1VolumeMount { Name = "cache", MountPath = "/cache" }],
            },
        ],
    };
}
