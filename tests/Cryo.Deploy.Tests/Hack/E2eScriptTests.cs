using Cryo.Deploy.Tests.Crds;
using Cryo.Deploy.Tests.Kustomize;

namespace Cryo.Deploy.Tests.Hack;

/// <summary>
/// hack/e2e.sh without a cluster: its answers when there is none, and its steps, failures and cleanup
/// against a scripted kubectl (fake-kubectl.sh). What a real cluster does is not tested here.
/// </summary>
public sealed class E2eScriptTests
{
    private static readonly string Script = RepoRoot.Combine("hack/e2e.sh");

    // The run in which everything goes well, shared: a run costs a few seconds of process starts.
    private static readonly Lazy<Task<E2eRun>> Passing = new(() => FakeCluster.RunOnceAsync(["--timeout=20"]));

    [Fact]
    public async Task E2e_Should_SayInOneLineAndExit2_When_ThereIsNoKubeconfig()
    {
        // Arrange
        var home = Directory.CreateTempSubdirectory("cryo-e2e-home-").FullName;

        try
        {
            // Act
            var result = await ScriptRun.RunAsync(Script, [], E2eEnvironment.Isolated(home), TimeSpan.FromMinutes(1));

            // Assert
            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.Empty(result.Stdout);
            Assert.StartsWith("e2e: no cluster: KUBECONFIG is not set", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public async Task E2e_Should_SayInOneLineAndExit2_When_TheClusterCannotBeReached()
    {
        // Arrange: the real kubectl, pointed at a port where nothing listens.
        var home = Directory.CreateTempSubdirectory("cryo-e2e-home-").FullName;
        var kubeconfig = Path.Combine(home, "kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, """
            apiVersion: v1
            kind: Config
            clusters: [{name: none, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]
            users: [{name: none, user: {token: none}}]
            contexts: [{name: none, context: {cluster: none, user: none}}]
            current-context: none
            """);
        var environment = new Dictionary<string, string?>(E2eEnvironment.Isolated(home)) { ["KUBECONFIG"] = kubeconfig };

        try
        {
            // Act
            var result = await ScriptRun.RunAsync(Script, [], environment, TimeSpan.FromMinutes(1));

            // Assert
            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.Empty(result.Stdout);
            Assert.StartsWith($"e2e: cannot reach the cluster of KUBECONFIG={kubeconfig}: ", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public async Task E2e_Should_SayInOneLineAndExit2_When_CryoIsNotInstalled()
    {
        // Act
        var (result, calls, _) = await FakeCluster.RunOnceAsync([], new Dictionary<string, string?> { ["FAKE_NO_CRYO"] = "1" });

        // Assert
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Empty(result.Stdout);
        Assert.Contains("does not serve cryo.io/v1alpha1", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        Assert.DoesNotContain(calls, c => c.StartsWith("apply", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--timeout")]
    [InlineData("--timeout=0")]
    [InlineData("--name-prefix=Not_A_Label")]
    [InlineData("--name-prefix=a-prefix-longer-than-forty-characters-is-refused")]
    [InlineData("--workload-image=busybox latest")]
    public async Task E2e_Should_Exit2BeforeTouchingTheCluster_When_AnArgumentIsWrong(string argument)
    {
        // Act
        var (result, calls, _) = await FakeCluster.RunOnceAsync([argument]);

        // Assert
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.EndsWith("(hack/e2e.sh --help)", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        Assert.Empty(calls);
    }

    [Fact]
    public async Task E2e_Should_PassEveryStepAndRemoveItsNamespace_When_CryoDoesWhatItShould()
    {
        // Act
        var run = await Passing.Value;
        var result = run.Result;

        // Assert
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (var step = 1; step <= 9; step++)
        {
            Assert.Contains(lines, l => l.StartsWith($"[{step}/9] ", StringComparison.Ordinal) && l.Contains(" … ok (", StringComparison.Ordinal));
        }

        Assert.Contains("e2e: passed, 9 steps in ", result.Stdout, StringComparison.Ordinal);
        Assert.StartsWith("cleaning up … ok", lines[^1], StringComparison.Ordinal);
        var ns = Namespace(run);
        Assert.Equal($"delete namespace {ns} --ignore-not-found --wait=false", run.Calls.Single(c => c.StartsWith("delete namespace", StringComparison.Ordinal)));
        Assert.Contains(run.Calls, c => c == $"exec pod/cryo-agent-x1 -n cryo-system -c agent -- cryo ls --namespace {ns}");
    }

    [Fact]
    public async Task E2e_Should_ApplyObjectsTheApiServerAndTheCrdsAccept()
    {
        // Arrange
        var checkpoints = CrdValidator.Load(RepoRoot.Combine("crds/checkpoints.cryo.io.yaml"));
        var restores = CrdValidator.Load(RepoRoot.Combine("crds/restores.cryo.io.yaml"));

        // Act
        var (result, _, manifests) = await Passing.Value;
        var applied = manifests.Select(m => YamlDocuments.Parse(m, "applied").Single()).ToList();

        // Assert
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["Namespace", "Pod", "Checkpoint", "Restore", "Restore"], applied.Select(o => o.StringAt("kind")));
        var (ns, pod, checkpoint) = (applied[0], applied[1], applied[2]);
        Assert.Empty(ApiObjectChecker.Check(ns));
        Assert.Equal("baseline", ns.MapAt("metadata.labels")["pod-security.kubernetes.io/enforce"]);
        Assert.Empty(ApiObjectChecker.Check(pod));
        Assert.Equal("Never", pod.StringAt("spec.restartPolicy"));
        var validation = checkpoints.Validate(checkpoint);
        Assert.True(validation.IsValid, string.Join("\n", validation.Errors));
        Assert.Equal(pod.StringAt("metadata.name"), checkpoint.StringAt("spec.podName"));
        Assert.Equal("app", checkpoint.StringAt("spec.containerName"));
        Assert.True(validation.Defaulted.At("spec.leaveRunning")!.GetValue<bool>());
        foreach (var restore in applied.Skip(3))
        {
            var restoreValidation = restores.Validate(restore);
            Assert.True(restoreValidation.IsValid, string.Join("\n", restoreValidation.Errors));
            Assert.Equal(checkpoint.StringAt("metadata.name"), restore.StringAt("spec.checkpointName"));
            Assert.NotNull(restore.At("spec.newPod"));
        }

        Assert.All(applied.Skip(1), o => Assert.Equal(ns.StringAt("metadata.name"), o.StringAt("metadata.namespace")));
    }

    [Fact]
    public async Task E2e_Should_FailTheStepAndStillRemoveItsNamespace_When_ApplyIsRefused()
    {
        // Act
        var run = await FakeCluster.RunOnceAsync(["--timeout=20"], new Dictionary<string, string?> { ["FAKE_REFUSE_KIND"] = "Pod" });
        var result = run.Result;

        // Assert
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("[2/9] starting the workload cryo-e2e-workload … FAILED (", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("[3/9]", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("e2e: step 2/9 (starting the workload cryo-e2e-workload) failed: kubectl apply of pod cryo-e2e-workload was refused: Error from server (Forbidden)",
            result.Stderr, StringComparison.Ordinal);
        Assert.Contains("--- Events in namespace", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(run.Calls, c => c == $"delete namespace {Namespace(run)} --ignore-not-found --wait=false");
        Assert.StartsWith("cleaning up … ok", result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task E2e_Should_FailWithTheCopysLogAndKeepEverything_When_ACopyStartsOverAndKeepIsGiven()
    {
        // Act
        var run = await FakeCluster.RunOnceAsync(["--keep", "--timeout=20"], new Dictionary<string, string?> { ["FAKE_COPY_FIRST_TICK"] = "1" });
        var result = run.Result;

        // Assert
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("[5/9] checking that the copies count on from the checkpoint … FAILED", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("expected cryo-e2e-copy-1 to go on from the checkpoint, but its log shows the app starting anew", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("--- kubectl describe pod/cryo-e2e-copy-1", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Calls, c => c.StartsWith("delete", StringComparison.Ordinal));
        Assert.Contains($"kept namespace {Namespace(run)}; remove it with: kubectl delete namespace {Namespace(run)}", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task E2e_Should_FailAtOnceWithWhatItSaw_When_ACopyExitsWithAnotherCode()
    {
        // Arrange: a wait that cannot end well must not last the whole timeout.
        var started = DateTime.UtcNow;

        // Act
        var (result, _, _) = await FakeCluster.RunOnceAsync(["--timeout=600"], new Dictionary<string, string?> { ["FAKE_EXIT_CODE"] = "3" });

        // Assert
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("[7/9] telling both copies to exit with code 7 … FAILED", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("""state.terminated.exitCode} to read '7', it reads '3'""", result.Stderr, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(60), "the script waited for an exit code that could not change");
    }

    [Fact]
    public async Task E2e_Should_LeaveTheNamespaceAndTheAgentsAlone_When_RunInAGivenNamespace()
    {
        // Act: how the helm test runs it.
        var (result, calls, applied) = await FakeCluster.RunOnceAsync(["--namespace", "cryo-system", "--name-prefix", "cryo-e2e", "--skip-agent-check", "--timeout=20"]);

        // Assert
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("[1/9] removing what an earlier run left in namespace cryo-system … ok", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(calls, c => $"{c} ".Contains(" namespace ", StringComparison.Ordinal));
        Assert.DoesNotContain(calls, c => c.Contains("component=agent", StringComparison.Ordinal) || c.Contains("-c agent", StringComparison.Ordinal));
        Assert.Contains("delete restore/cryo-e2e-copy-1 restore/cryo-e2e-copy-2 checkpoint/cryo-e2e-checkpoint pod/cryo-e2e-workload -n cryo-system --ignore-not-found --wait=false", calls);
        Assert.DoesNotContain(applied, m => m.Contains("kind: Namespace", StringComparison.Ordinal));
    }

    // The namespace a run created, from its first applied manifest.
    private static string Namespace(E2eRun run)
    {
        var ns = YamlDocuments.Parse(run.Applied[0], "applied").Single();
        Assert.Equal("Namespace", ns.StringAt("kind"));
        return ns.StringAt("metadata.name")!;
    }
}
