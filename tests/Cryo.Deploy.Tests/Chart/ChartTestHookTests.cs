using System.Text.Json.Nodes;
using Cryo.Deploy.Tests.Hack;
using Cryo.Deploy.Tests.Kustomize;

namespace Cryo.Deploy.Tests.Chart;

/// <summary>
/// The `helm test` hooks (templates/tests/), read without Helm: their skeleton (every action filled in with
/// <see cref="Placeholder"/>, which is then the release namespace and the run's name prefix alike) is checked
/// as an API server would, and the Role is replayed against the requests of a run of hack/e2e.sh with the
/// test pod's own arguments.
/// </summary>
public sealed class ChartTestHookTests
{
    private const string Placeholder = "x";
    private static readonly string TestsDirectory = RepoRoot.Combine("charts/cryo/templates/tests");

    public static TheoryData<string> HookFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(TestsDirectory).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(HookFiles))]
    public void Hooks_Should_RenderOnly_When_TestsAreEnabled(string file)
    {
        // Arrange
        var text = File.ReadAllText(Path.Combine(TestsDirectory, file)).Trim();

        // Assert: after the leading comment, one `if` holds everything.
        Assert.Matches(@"^\{\{-? /\*.*?\*/ -?\}\}\s*\{\{- if \.Values\.tests\.enabled \}\}", text.ReplaceLineEndings(" "));
        Assert.EndsWith("{{- end }}", text, StringComparison.Ordinal);
        Assert.Empty(HelmTemplateScanner.CheckStructure(text));
    }

    [Theory]
    [MemberData(nameof(HookFiles))]
    public void Hooks_Should_BeTestHooksThatGoWhenTheTestPassesAndBeforeTheNextRun(string file)
    {
        // Arrange
        var objects = Skeleton(file);

        // Assert
        Assert.NotEmpty(objects);
        foreach (var obj in objects)
        {
            var annotations = obj.MapAt("metadata.annotations");
            Assert.Equal("test", annotations.GetValueOrDefault("helm.sh/hook"));
            var policies = annotations.GetValueOrDefault("helm.sh/hook-delete-policy")?.Split(',') ?? [];
            Assert.Contains("before-hook-creation", policies);
            Assert.Contains("hook-succeeded", policies);
        }

        // The pod starts once its identity and permissions exist.
        var weight = (JsonNode o) => int.Parse(o.MapAt("metadata.annotations").GetValueOrDefault("helm.sh/hook-weight") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        var pods = objects.Where(o => o.StringAt("kind") == "Pod").ToList();
        Assert.All(pods, pod => Assert.All(objects.Except(pods), other => Assert.True(weight(other) < weight(pod), $"{other.Describe()} is not created before {pod.Describe()}")));
    }

    [Theory]
    [MemberData(nameof(HookFiles))]
    public void Hooks_Should_BeObjectsTheApiServerAcceptsThatNameOnlyEachOther(string file)
    {
        // Act
        var objects = Skeleton(file);
        var problems = objects.SelectMany(ApiObjectChecker.Check).Concat(ApiObjectChecker.CheckReferences(objects)).ToList();

        // Assert
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.DoesNotContain(objects, o => o.StringAt("kind") is "ClusterRole" or "ClusterRoleBinding");
    }

    [Fact]
    public void TestPod_Should_RunTheSmokeTestUnprivilegedWithoutTheAgentCheck()
    {
        // Arrange
        var pod = Skeleton("e2e.yaml").Single(o => o.StringAt("kind") == "Pod");
        var container = pod.ObjectsAt("spec.containers").Single();
        var args = container.At("args")!.AsArray().Select(a => a!.GetValue<string>()).ToList();

        // Assert: the agent image's copy of hack/e2e.sh (see DockerfileTests), in the release namespace.
        Assert.Equal("/usr/local/bin/cryo-e2e", container.At("command")![0]!.GetValue<string>());
        Assert.Contains($"--namespace={Placeholder}", args);
        Assert.Contains($"--name-prefix={Placeholder}", args);
        Assert.Contains("--skip-agent-check", args);
        Assert.Equal("Never", pod.StringAt("spec.restartPolicy"));
        Assert.True(pod.At("spec.securityContext.runAsNonRoot")!.GetValue<bool>());
        Assert.False(container.At("securityContext.allowPrivilegeEscalation")!.GetValue<bool>());
        Assert.True(container.At("securityContext.readOnlyRootFilesystem")!.GetValue<bool>());
        Assert.Equal("ALL", container.At("securityContext.capabilities.drop")![0]!.GetValue<string>());
        Assert.Contains(container.ObjectsAt("volumeMounts"), m => m.StringAt("mountPath") == "/tmp");
        Assert.Contains(container.ObjectsAt("env"), e => e.StringAt("name") == "HOME" && e.StringAt("value") == "/tmp");
    }

    [Theory]
    [InlineData(null, 0)]
    [InlineData("3", 1)]
    public async Task TestRole_Should_GrantExactlyWhatTheScriptsRequestsNeed_When_RunWithTheTestPodsArguments(string? exitCode, int expectedExit)
    {
        // Arrange: the test pod's arguments (a short timeout instead of the value's placeholder); a copy that
        // exits with the wrong code takes the failure path too (describe, Events).
        var objects = Skeleton("e2e.yaml");
        var role = objects.Single(o => o.StringAt("kind") == "Role");
        var args = objects.Single(o => o.StringAt("kind") == "Pod").ObjectsAt("spec.containers").Single().At("args")!.AsArray()
            .Select(a => a!.GetValue<string>())
            .Where(a => !a.StartsWith("--timeout=", StringComparison.Ordinal))
            .Append("--timeout=20")
            .ToList();

        // Act
        var (result, calls, applied) = await FakeCluster.RunOnceAsync(args, new Dictionary<string, string?> { ["FAKE_EXIT_CODE"] = exitCode });
        var requests = KubectlRequests.Of(calls, applied).ToList();
        var refused = requests.Where(r => !Grants(role, r)).Select(r => $"{Group(r.Group)}/{r.Resource} {r.Name ?? "*"} {r.Verb}").Distinct().ToList();
        var granted = Permissions(role);
        var needed = requests.Select(r => Permission(role, r)).OfType<string>().ToHashSet();

        // Assert
        Assert.True(result.ExitCode == expectedExit, result.ToString());
        Assert.True(refused.Count == 0, $"the Role refuses:\n{string.Join("\n", refused)}");
        if (exitCode is null)
        {
            Assert.True(granted.SetEquals(needed), $"granted, never needed:\n{string.Join("\n", granted.Except(needed))}");
        }
    }

    private static IReadOnlyList<JsonNode> Skeleton(string file) =>
        YamlDocuments.Parse(HelmTemplateScanner.Skeleton(File.ReadAllText(Path.Combine(TestsDirectory, file)), Placeholder), $"templates/tests/{file}");

    private static List<string> Strings(JsonNode rule, string field) =>
        rule.At(field) is JsonArray array ? array.Select(v => v!.GetValue<string>()).ToList() : [];

    private static bool Matches(JsonNode rule, ApiRequest request) =>
        Strings(rule, "apiGroups").Contains(request.Group)
        && Strings(rule, "resources").Contains(request.Resource)
        && Strings(rule, "verbs").Contains(request.Verb)
        && (Strings(rule, "resourceNames") is var names && (names.Count == 0 || (request.Name is not null && names.Contains(request.Name))));

    private static bool Grants(JsonNode role, ApiRequest request) => role.ObjectsAt("rules").Any(rule => Matches(rule, request));

    private static string Group(string group) => group.Length == 0 ? "core" : group;

    // "group/resource name verb", name "*" for a rule without resourceNames.
    private static HashSet<string> Permissions(JsonNode role) =>
        role.ObjectsAt("rules")
            .SelectMany(rule => Strings(rule, "apiGroups").SelectMany(g => Strings(rule, "resources").SelectMany(r => Strings(rule, "verbs").SelectMany(v =>
                Strings(rule, "resourceNames").DefaultIfEmpty("*").Select(n => $"{Group(g)}/{r} {n} {v}")))))
            .ToHashSet();

    // The permission of the Role that grants the request, by name where a rule names it.
    private static string? Permission(JsonNode role, ApiRequest request)
    {
        var rule = role.ObjectsAt("rules").Where(r => Matches(r, request)).OrderByDescending(r => Strings(r, "resourceNames").Count).FirstOrDefault();
        return rule is null ? null : $"{Group(request.Group)}/{request.Resource} {(Strings(rule, "resourceNames").Count == 0 ? "*" : request.Name)} {request.Verb}";
    }
}
