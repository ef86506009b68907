using System.Text.Json.Nodes;
using Cryo.Deploy.Tests.Kustomize;

namespace Cryo.Deploy.Tests.Crds;

/// <summary>config/samples/ works as written: valid against the CRDs, and naming each other consistently.</summary>
public sealed class SampleTests
{
    private static readonly CrdValidator Checkpoints = CrdValidator.Load(RepoRoot.Combine("crds/checkpoints.cryo.io.yaml"));
    private static readonly CrdValidator Restores = CrdValidator.Load(RepoRoot.Combine("crds/restores.cryo.io.yaml"));
    private static readonly CrdValidator Schedules = CrdValidator.Load(RepoRoot.Combine("crds/checkpointschedules.cryo.io.yaml"));
    private static readonly CrdValidator RestoreSets = CrdValidator.Load(RepoRoot.Combine("crds/restoresets.cryo.io.yaml"));

    private static JsonNode Sample(string file) => YamlDocuments.ParseSingleFile(RepoRoot.Combine($"config/samples/{file}"));

    [Fact]
    public void CheckpointSample_Should_ValidateAgainstCrd_WithDefaultsApplied()
    {
        // Act
        var result = Checkpoints.Validate(Sample("checkpoint.yaml"));

        // Assert
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.True(result.Defaulted.At("spec.leaveRunning")!.GetValue<bool>());
        Assert.Equal(300, result.Defaulted.IntegerAt("spec.timeoutSeconds"));
    }

    [Fact]
    public void RestoreSample_Should_ValidateAgainstCrd()
    {
        // Act
        var result = Restores.Validate(Sample("restore.yaml"));

        // Assert
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
    }

    [Fact]
    public void RestoreSetSample_Should_ValidateAgainstCrd_WithDefaultsApplied()
    {
        // Act
        var result = RestoreSets.Validate(Sample("restoreset.yaml"));

        // Assert
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(3, result.Defaulted.IntegerAt("spec.replicas"));
        Assert.Equal(1, result.Defaulted.IntegerAt("spec.warmPool"));
    }

    [Fact]
    public void RestoreSet_Should_DefaultToOneCopyWithoutAWarmPool()
    {
        // Arrange
        var set = Sample("restoreset.yaml");
        var spec = (JsonObject)set["spec"]!;
        spec.Remove("replicas");
        spec.Remove("warmPool");
        spec.Remove("template");

        // Act
        var result = RestoreSets.Validate(set);

        // Assert
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(1, result.Defaulted.IntegerAt("spec.replicas"));
        Assert.Equal(0, result.Defaulted.IntegerAt("spec.warmPool"));
    }

    [Theory]
    [InlineData("replicas", "-1")]
    [InlineData("warmPool", "-1")]
    [InlineData("warmPool", "101")]
    [InlineData("checkpointName", "\"Not_A_Name\"")]
    [InlineData("unknownField", "true")]
    public void Validator_Should_RejectRestoreSet_When_SpecFieldIsInvalid(string field, string json)
    {
        // Arrange
        var set = Sample("restoreset.yaml");
        set["spec"]![field] = JsonNode.Parse(json);

        // Act
        var result = RestoreSets.Validate(set);

        // Assert
        Assert.False(result.IsValid, $"spec.{field}={json} was accepted");
        Assert.Contains(result.Errors, e => e.Contains($"/spec/{field}", StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_Should_RejectRestoreSet_When_ItsOverlayChangesTheContainer()
    {
        // Arrange: the overlay places and schedules pods; the container stays the checkpointed one.
        var set = Sample("restoreset.yaml");
        set["spec"]!["template"]!["spec"]!["containers"] = JsonNode.Parse("""[{"name":"app","image":"other:1"}]""");

        // Act
        var result = RestoreSets.Validate(set);

        // Assert
        Assert.Contains(result.Errors, e => e.Contains("/spec/template/spec/containers", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(57, true)]
    [InlineData(58, false)]
    public void Validator_Should_LimitRestoreSetNames_SoTheirCopiesNamesFitLabelValues(int length, bool valid)
    {
        // Arrange
        var set = Sample("restoreset.yaml");
        set["metadata"]!["name"] = new string('a', length);

        // Act
        var result = RestoreSets.Validate(set);

        // Assert
        Assert.Equal(valid, result.IsValid);
    }

    [Fact]
    public void Samples_Should_NameEachOther_When_AppliedInOrder()
    {
        // Arrange
        var workload = Sample("workload.yaml");
        var checkpoint = Sample("checkpoint.yaml");
        var restore = Sample("restore.yaml");
        var set = Sample("restoreset.yaml");

        // Assert: the Checkpoint names the workload pod and its container; the Restore and RestoreSet name the Checkpoint.
        Assert.Equal(workload.StringAt("metadata.name"), checkpoint.StringAt("spec.podName"));
        var containers = workload.ObjectsAt("spec.containers").Select(c => c.StringAt("name")).ToList();
        Assert.Contains(checkpoint.StringAt("spec.containerName") ?? containers.Single(), containers);
        Assert.Equal(checkpoint.StringAt("metadata.name"), restore.StringAt("spec.checkpointName"));
        Assert.Equal(checkpoint.StringAt("metadata.name"), set.StringAt("spec.checkpointName"));
        Assert.All(new[] { workload, checkpoint, restore, set }, o => Assert.Null(o.StringAt("metadata.namespace")));
    }

    [Fact]
    public void WorkloadSample_Should_BeAPodTheApiServerAccepts()
    {
        // Arrange: samples go to the namespace kubectl is pointed at.
        var pod = Sample("workload.yaml");
        pod["metadata"]!["namespace"] = "default";

        // Act
        var problems = ApiObjectChecker.Check(pod);

        // Assert
        Assert.Empty(problems);
        Assert.NotNull(pod.At("spec.containers")![0]!.At("readinessProbe"));
    }

    [Fact]
    public void ScheduleSample_Should_ValidateAgainstCrd_WithDefaultsApplied_And_NameTheWorkload()
    {
        // Act
        var sample = Sample("checkpointschedule.yaml");
        var result = Schedules.Validate(sample);

        // Assert
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal("Forbid", result.Defaulted.StringAt("spec.concurrencyPolicy"));
        Assert.Equal(300, result.Defaulted.IntegerAt("spec.checkpointTemplate.timeoutSeconds"));
        Assert.False(result.Defaulted.At("spec.suspend")!.GetValue<bool>());
        Assert.Equal(Sample("workload.yaml").StringAt("metadata.name"), sample.StringAt("spec.podName"));
    }

    [Theory]
    [InlineData("""{"selector":{"matchLabels":{"app":"a"}}}""", "exactly one of podName and selector")]
    [InlineData("""{"every":"1h"}""", "exactly one of schedule and every")]
    [InlineData("""{"timeZone":"Europe/Paris","schedule":null,"every":"1h"}""", "timeZone applies to schedule only")]
    [InlineData("""{"every":"1 hour","schedule":null}""", "/spec/every")]
    [InlineData("""{"concurrencyPolicy":"Sometimes"}""", "/spec/concurrencyPolicy")]
    [InlineData("""{"successfulCheckpointsHistoryLimit":-1}""", "/spec/successfulCheckpointsHistoryLimit")]
    public void Validator_Should_RejectSchedule_When_SpecIsInconsistent(string change, string expected)
    {
        // Arrange
        var schedule = Sample("checkpointschedule.yaml");
        foreach (var (key, value) in JsonNode.Parse(change)!.AsObject())
        {
            if (value is null)
            {
                ((JsonObject)schedule["spec"]!).Remove(key);
            }
            else
            {
                schedule["spec"]![key] = value.DeepClone();
            }
        }

        // Act
        var result = Schedules.Validate(schedule);

        // Assert
        Assert.Contains(result.Errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_Should_RejectSchedule_When_ItsNameCannotBeALabelValue()
    {
        // Arrange
        var schedule = Sample("checkpointschedule.yaml");
        schedule["metadata"]!["name"] = new string('a', 64);

        // Act
        var result = Schedules.Validate(schedule);

        // Assert
        Assert.Contains(result.Errors, e => e.Contains("at most 63 characters", StringComparison.Ordinal));
    }

    [Fact]
    public void EvictionWorkloadSample_Should_BeAPodTheApiServerAccepts_WithAPreStopSleepWithinItsGracePeriod()
    {
        // Arrange
        var pod = Sample("workload-checkpoint-on-eviction.yaml");
        pod["metadata"]!["namespace"] = "default";

        // Act
        var problems = ApiObjectChecker.Check(pod);

        // Assert
        Assert.Empty(problems);
        Assert.Equal("true", pod["metadata"]!["annotations"]!["cryo.io/checkpoint-on-eviction"]!.GetValue<string>());
        var sleep = pod.At("spec.containers")![0]!["lifecycle"]!["preStop"]!["sleep"]!["seconds"]!.GetValue<long>();
        Assert.True(sleep < pod.IntegerAt("spec.terminationGracePeriodSeconds"), "the preStop sleep must end within the grace period");
    }

    [Fact]
    public void Validator_Should_RejectRestore_When_BothTargetsAreSet()
    {
        // Arrange
        var restore = Sample("restore.yaml");
        restore["spec"]!["existingPod"] = new JsonObject { ["name"] = "some-pod" };

        // Act
        var result = Restores.Validate(restore);

        // Assert
        Assert.Contains(result.Errors, e => e.Contains("exactly one of newPod and existingPod", StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_Should_RejectRestore_When_NoTargetIsSet()
    {
        // Arrange
        var restore = Sample("restore.yaml");
        ((JsonObject)restore["spec"]!).Remove("newPod");

        // Act
        var result = Restores.Validate(restore);

        // Assert
        Assert.False(result.IsValid);
    }

    [Fact]
    public void Validator_Should_RejectRestore_When_NewPodHasNodeNameAndNodeSelector()
    {
        // Arrange
        var restore = Sample("restore.yaml");
        restore["spec"]!["newPod"]!["nodeName"] = "node-1";
        restore["spec"]!["newPod"]!["nodeSelector"] = new JsonObject { ["zone"] = "a" };

        // Act
        var result = Restores.Validate(restore);

        // Assert
        Assert.Contains(result.Errors, e => e.StartsWith("$.spec.newPod:", StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_Should_RejectUpdate_When_CheckpointSpecChanges()
    {
        // Arrange
        var before = Sample("checkpoint.yaml");
        var after = before.DeepClone();
        after["spec"]!["podName"] = "another-pod";

        // Act
        var changed = Checkpoints.Validate(after, before);
        var unchanged = Checkpoints.Validate(before.DeepClone(), before);

        // Assert
        Assert.Contains(changed.Errors, e => e.Contains("immutable", StringComparison.Ordinal));
        Assert.True(unchanged.IsValid, string.Join("\n", unchanged.Errors));
    }

    [Theory]
    [InlineData("timeoutSeconds", "0")]
    [InlineData("timeoutSeconds", "3601")]
    [InlineData("podName", "\"Not_A_Name\"")]
    [InlineData("leaveRunning", "\"yes\"")]
    [InlineData("unknownField", "true")]
    public void Validator_Should_RejectCheckpoint_When_SpecFieldIsInvalid(string field, string json)
    {
        // Arrange
        var checkpoint = Sample("checkpoint.yaml");
        checkpoint["spec"]![field] = JsonNode.Parse(json);

        // Act
        var result = Checkpoints.Validate(checkpoint);

        // Assert: rejected, and for that field.
        Assert.False(result.IsValid, $"spec.{field}={json} was accepted");
        Assert.Contains(result.Errors, e => e.Contains($"/spec/{field}", StringComparison.Ordinal));
    }

    [Fact]
    public void Crds_Should_HaveOnlyRulesTheTestsEvaluate()
    {
        // Loading compiles every rule; a rule outside the CEL subset throws CelUnsupportedException.
        var rules = Checkpoints.Rules.Concat(Restores.Rules).Concat(RestoreSets.Rules).ToList();

        Assert.NotEmpty(rules);
        Assert.All(rules, r => Assert.False(string.IsNullOrWhiteSpace(r.Message)));
    }

    [Theory]
    [InlineData("has(self.a) && self.a.size() > 2", """{"a":"abc"}""", true)]
    [InlineData("has(self.a) && self.a.size() > 2", """{}""", false)]
    [InlineData("self.a.size() > 2 || true", """{}""", true)]
    [InlineData("self.list.all(x, x < 3) && 2 in self.list", """{"list":[1,2]}""", true)]
    [InlineData("self.list.exists(x, x == 5)", """{"list":[1,2]}""", false)]
    [InlineData("self.s.startsWith('ab') ? self.n + 1 == 3 : false", """{"s":"abc","n":2}""", true)]
    [InlineData("!(self.m['k'] == 'v')", """{"m":{"k":"v"}}""", false)]
    public void CelParser_Should_EvaluateTheSubset(string rule, string self, bool expected)
    {
        // Arrange
        var compiled = CelParser.Compile(rule);

        // Act
        var result = compiled(new CelEnvironment().With("self", CelValues.FromJson(JsonNode.Parse(self))));

        // Assert
        Assert.Equal(expected, result);
    }

    [Fact]
    public void CelParser_Should_Refuse_When_RuleLeavesTheSubset()
    {
        Assert.Throws<CelUnsupportedException>(() => CelParser.Compile("self.map(x, x * 2) == [2]"));
        Assert.Throws<CelUnsupportedException>(() => CelParser.Compile("quantity(self.q).isLessThan(quantity('1Gi'))"));
    }
}
