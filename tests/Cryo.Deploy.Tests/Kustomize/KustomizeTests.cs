using System.Text.Json.Nodes;
using Cryo.Deploy.Tests.Crds.Definition;

namespace Cryo.Deploy.Tests.Kustomize;

/// <summary>`kubectl kustomize config/default` renders a complete install an API server would accept.</summary>
public sealed class KustomizeTests
{
    // Rendered once for all tests of the class: kubectl takes about half a second.
    private static readonly Lazy<Task<IReadOnlyList<JsonNode>>> Rendered = new(async () =>
    {
        var yaml = await Kubectl.KustomizeAsync(RepoRoot.Combine("config/default"), CancellationToken.None);
        return YamlDocuments.Parse(yaml, "kubectl kustomize config/default");
    });

    // Each test gets its own copy, so none can change what another sees.
    private static async Task<IReadOnlyList<JsonNode>> RenderDefaultAsync() =>
        (await Rendered.Value).Select(o => o.DeepClone()).ToList();

    [Fact]
    public async Task Default_Should_RenderObjectsWithTheFieldsTheApiServerRequires()
    {
        // Act
        var objects = await RenderDefaultAsync();
        var problems = objects.SelectMany(ApiObjectChecker.Check).ToList();

        // Assert
        Assert.NotEmpty(objects);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    // Issue 12: `kubectl apply -k` stopped at the first CRD; check them as rendered, after kustomize's transformers.
    [Fact]
    public async Task Default_Should_RenderCrdsTheApiServerAccepts()
    {
        // Act
        var crds = (await RenderDefaultAsync()).Where(o => o.StringAt("kind") == "CustomResourceDefinition").ToList();
        var problems = crds.SelectMany(crd => CrdDefinitionChecker.Check(crd).Select(p => $"{crd.Describe()}: {p}")).ToList();

        // Assert
        Assert.Equal(Directory.GetFiles(RepoRoot.Combine("crds"), "*.yaml").Length, crds.Count);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task Default_Should_ReferenceOnlyObjectsItCreates()
    {
        // Act
        var objects = await RenderDefaultAsync();
        var problems = ApiObjectChecker.CheckReferences(objects);

        // Assert
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task Default_Should_BeACompleteInstall()
    {
        // Act
        var objects = await RenderDefaultAsync();
        var kinds = objects.Select(o => $"{o.StringAt("kind")}/{o.StringAt("metadata.name")}").ToHashSet();

        // Assert: CRDs, the operator, the agent, their storage, identity and certificates.
        foreach (var expected in new[]
                 {
                     "CustomResourceDefinition/checkpoints.cryo.io", "CustomResourceDefinition/restores.cryo.io",
                     "CustomResourceDefinition/checkpointschedules.cryo.io", "CustomResourceDefinition/restoresets.cryo.io", "CustomResourceDefinition/migrations.cryo.io",
                     "Namespace/cryo-system", "Deployment/cryo-operator", "DaemonSet/cryo-agent",
                     "PersistentVolumeClaim/cryo-checkpoints", "ServiceAccount/cryo-agent",
                     "Certificate/cryo-agent", "Certificate/cryo-operator", "CSIDriver/placeholder.cryo.io",
                 })
        {
            Assert.Contains(expected, kinds);
        }

        Assert.Contains(objects, o => o.StringAt("kind") == "ClusterRole");
        Assert.Contains(objects, o => o.StringAt("kind") == "ClusterRoleBinding");
        Assert.Equal(objects.Count, kinds.Count);
    }

    [Fact]
    public async Task Default_Should_MakeTheOperatorLeastPrivilegedAndTheAgentPrivileged()
    {
        // Act
        var objects = await RenderDefaultAsync();
        var operatorPod = objects.Single(o => o.Describe() == "Deployment/cryo-operator").At("spec.template.spec")!;
        var agentPod = objects.Single(o => o.Describe() == "DaemonSet/cryo-agent").At("spec.template.spec")!;
        var operatorContainer = operatorPod.ObjectsAt("containers").Single();

        // Assert
        Assert.Equal(2, objects.Single(o => o.Describe() == "Deployment/cryo-operator").IntegerAt("spec.replicas"));
        Assert.True(operatorPod.At("securityContext.runAsNonRoot")!.GetValue<bool>());
        Assert.False(operatorContainer.At("securityContext.allowPrivilegeEscalation")!.GetValue<bool>());
        Assert.True(operatorContainer.At("securityContext.readOnlyRootFilesystem")!.GetValue<bool>());
        Assert.Equal("ALL", operatorContainer.At("securityContext.capabilities.drop")![0]!.GetValue<string>());
        Assert.NotNull(operatorContainer.At("livenessProbe"));
        Assert.NotNull(operatorContainer.At("readinessProbe"));

        Assert.True(agentPod.At("hostPID")!.GetValue<bool>());
        Assert.True(agentPod.ObjectsAt("containers").Single().At("securityContext.privileged")!.GetValue<bool>());
        Assert.False(agentPod.At("automountServiceAccountToken")!.GetValue<bool>());
        Assert.True(agentPod.IntegerAt("terminationGracePeriodSeconds") >= 300);
        Assert.Contains(agentPod.ObjectsAt("volumes"), v => v.StringAt("hostPath.path") == "/sys/fs/cgroup");
        Assert.Contains(agentPod.ObjectsAt("volumes"), v => v.StringAt("hostPath.path") == "/proc");
    }

    [Fact]
    public async Task Default_Should_LetTheAgentNamespaceAdmitPrivilegedPods()
    {
        // Act
        var objects = await RenderDefaultAsync();
        var ns = objects.Single(o => o.StringAt("kind") == "Namespace");

        // Assert: Pod Security Admission would refuse the privileged agent otherwise.
        Assert.Equal("privileged", ns.MapAt("metadata.labels").GetValueOrDefault("pod-security.kubernetes.io/enforce"));
    }

    [Fact]
    public async Task Default_Should_ServeThePlaceholderThroughTheAgentsCsiDriver()
    {
        // Act
        var objects = await RenderDefaultAsync();
        var driver = objects.Single(o => o.StringAt("kind") == "CSIDriver");
        var agent = objects.Single(o => o.Describe() == "DaemonSet/cryo-agent").At("spec.template.spec")!;
        var container = agent.ObjectsAt("containers").Single();
        var env = container.ObjectsAt("env").ToDictionary(e => e.StringAt("name")!, e => e.StringAt("value"));
        var mounts = container.ObjectsAt("volumeMounts").ToDictionary(m => m.StringAt("mountPath")!);
        var operatorEnv = objects.Single(o => o.Describe() == "Deployment/cryo-operator").At("spec.template.spec")!
            .ObjectsAt("containers").Single().ObjectsAt("env").ToDictionary(e => e.StringAt("name")!, e => e.StringAt("value"));

        // Assert: an ephemeral-only, attach-free driver named as the agent serves it and as restore pods use it.
        Assert.Equal("placeholder.cryo.io", driver.StringAt("metadata.name"));
        Assert.False(driver.At("spec.attachRequired")!.GetValue<bool>());
        Assert.False(driver.At("spec.podInfoOnMount")!.GetValue<bool>());
        Assert.Equal(["Ephemeral"], driver.At("spec.volumeLifecycleModes")!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal(("true", "placeholder.cryo.io", "Csi", "placeholder.cryo.io"),
            (env["Csi__Enabled"], env["Csi__DriverName"], operatorEnv["Operator__PlaceholderDelivery"], operatorEnv["Operator__PlaceholderCsiDriver"]));

        // Assert: the agent's bind mounts at the kubelet's target paths reach the host; its sockets and published
        // directory sit in host directories it mounts at the paths the kubelet knows.
        Assert.Equal("Bidirectional", mounts["/var/lib/kubelet/pods"].StringAt("mountPropagation"));
        foreach (var path in new[] { env["Csi__SocketPath"]!, env["Csi__RegistrationSocketPath"]!, env["Csi__PublishDirectory"]! })
        {
            var mount = mounts.Keys.Where(m => path.StartsWith(m + "/", StringComparison.Ordinal)).MaxBy(m => m.Length);
            Assert.True(mount is not null, $"{path} is in no volume the agent mounts");
            var volume = agent.ObjectsAt("volumes").Single(v => v.StringAt("name") == mounts[mount].StringAt("name"));
            Assert.Equal(mount, volume.StringAt("hostPath.path"));
        }
    }
}
