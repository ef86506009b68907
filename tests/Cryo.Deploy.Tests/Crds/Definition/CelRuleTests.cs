using System.Text.Json.Nodes;

namespace Cryo.Deploy.Tests.Crds.Definition;

/// <summary>
/// x-kubernetes-validations as the API server checks them on create: well-formed entries, rules that
/// compile against the schema, oldSelf only where old and new values pair up, and CEL cost within the
/// per-rule and per-CRD budgets. The cost cases are the usual way a CRD is refused: a rule over a string or
/// list with no maxLength or maxItems.
/// </summary>
public sealed class CelRuleTests
{
    private const string Spec = "spec.validation.openAPIV3Schema.properties[spec]";
    private const string Conditions = "spec.validation.openAPIV3Schema.properties[status].properties[conditions]";
    private const string Hint = "(try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)";

    private static void AddRule(JsonObject schema, string yaml) =>
        ((JsonArray)(schema["x-kubernetes-validations"] ??= new JsonArray())).Add(TestCrds.Yaml(yaml));

    // Each row adds one rule to spec, after the CRD's own rule (so at index 1), and names the problem the API server prints for it.
    [Theory]
    // an empty rule
    [InlineData("{rule: '  ', message: blank}", "rule: Required value: rule is not specified")]
    // a message with a line break
    [InlineData("{rule: 'size(self.podName) > 1', message: \"too\\nshort\"}", "message: Invalid value: \"too\nshort\": message must not contain line breaks")]
    // a rule of several lines with no message
    [InlineData("{rule: \"size(self.podName) > 1 &&\\nsize(self.podName) < 100\"}", "message: Required value: message must be specified if rule contains line breaks")]
    // a blank messageExpression
    [InlineData("{rule: 'size(self.podName) > 1', messageExpression: ' '}", "messageExpression: Required value: messageExpression must be non-empty if specified")]
    // a messageExpression that is no string
    [InlineData("{rule: 'size(self.podName) > 1', messageExpression: 'size(self.podName)'}", "messageExpression: Invalid value: \"size(self.podName)\": messageExpression must evaluate to a string")]
    // a reason the API server does not know
    [InlineData("{rule: 'size(self.podName) > 1', reason: FieldValueTooLong}", "reason: Unsupported value: \"FieldValueTooLong\": supported values: \"FieldValueDuplicate\", \"FieldValueForbidden\", \"FieldValueInvalid\", \"FieldValueRequired\"")]
    // a rule that is not a boolean
    [InlineData("{rule: 'self.podName'}", "rule: Invalid value: \"self.podName\": cel expression must evaluate to a bool")]
    // optionalOldSelf on a rule without oldSelf
    [InlineData("{rule: 'size(self.podName) > 1', optionalOldSelf: true}", "optionalOldSelf: Invalid value: true: may not be set if oldSelf is not used in rule")]
    public void Crd_Should_BeRefused_When_ARuleOnTheSpecIsInvalid(string rule, string problem)
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        AddRule(TestCrds.Schema(crd, "spec"), rule);

        // Assert
        TestCrds.AssertRefused(crd, $"{Spec}.x-kubernetes-validations[1].{problem}");
    }

    // Each row adds one rule to spec that does not compile; the problem names the rule and mentions the detail.
    [Theory]
    // a rule that compares different types
    [InlineData("{rule: 'self.timeoutSeconds == \"300\"'}", "found no matching overload for '_==_' applied to '(int, string)'")]
    // valid CEL for the API server, but this checker cannot price it, so it refuses
    [InlineData("{rule: \"self.podName.lowerAscii() == self.podName\"}", "outside the CEL subset this checker can type and price")]
    public void Crd_Should_BeRefused_When_ARuleOnTheSpecDoesNotCompile(string rule, string detail)
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        AddRule(TestCrds.Schema(crd, "spec"), rule);

        // Assert
        TestCrds.AssertRefused(crd, $"{Spec}.x-kubernetes-validations[1].rule: Invalid value: ", detail);
    }

    [Theory]
    [InlineData("FieldValueInvalid")]
    [InlineData("FieldValueForbidden")]
    [InlineData("FieldValueRequired")]
    [InlineData("FieldValueDuplicate")]
    public void Crd_Should_BeAccepted_When_AReasonIsOneTheApiServerKnows(string reason)
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        AddRule(TestCrds.Schema(crd, "spec"), $"{{rule: 'size(self.podName) > 1', reason: {reason}, fieldPath: .podName}}");

        // Assert
        TestCrds.AssertAccepted(crd);
    }

    [Theory]
    [InlineData(".podname")]
    [InlineData("podName")]
    [InlineData(".podName.first")]
    public void Crd_Should_BeRefused_When_AFieldPathIsNotInTheSchema(string fieldPath)
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        AddRule(TestCrds.Schema(crd, "spec"), $"{{rule: 'size(self.podName) > 1', fieldPath: '{fieldPath}'}}");

        // Assert
        TestCrds.AssertRefused(crd, $"{Spec}.x-kubernetes-validations[1].fieldPath: Invalid value: \"{fieldPath}\": fieldPath must be a valid path");
    }

    [Fact]
    public void Crd_Should_BeAccepted_When_AFieldPathNamesAMapEntry()
    {
        // Arrange
        var crd = TestCrds.Restore();
        AddRule(TestCrds.Schema(crd, "spec.newPod"), "{rule: \"!has(self.labels) || !('app' in self.labels)\", fieldPath: \".labels['app']\"}");

        // Assert
        TestCrds.AssertAccepted(crd);
    }

    [Fact]
    public void Crd_Should_BeRefused_When_ARuleSelectsAnUndefinedField()
    {
        // Arrange: a typo the evaluator alone would read as "field absent".
        var crd = TestCrds.Restore();
        AddRule(TestCrds.Schema(crd, "spec.newPod"), "{rule: '!has(self.nodeSelecter)'}");

        // Assert
        TestCrds.AssertRefused(crd, "spec.validation.openAPIV3Schema.properties[spec].properties[newPod].x-kubernetes-validations[1].rule: Invalid value: \"!has(self.nodeSelecter)\": ", "undefined field 'nodeSelecter'");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_OldSelfIsUsedUnderAnAtomicList()
    {
        // Arrange: items of an atomic list cannot be paired with their old selves.
        var crd = TestCrds.Checkpoint();
        TestCrds.Schema(crd, "spec")["properties"]!["args"] = TestCrds.Yaml(
            "{type: array, maxItems: 4, items: {type: string, maxLength: 10, x-kubernetes-validations: [{rule: 'self == oldSelf'}]}}");

        // Assert
        TestCrds.AssertRefused(crd, $"{Spec}.properties[args].items.x-kubernetes-validations[0].rule: Invalid value: \"self == oldSelf\": oldSelf cannot be used on the uncorrelatable portion of the schema within {Spec}.properties[args]");
    }

    [Fact]
    public void Crd_Should_BeAccepted_When_OldSelfIsUsedUnderAMapList()
    {
        // Arrange: conditions are keyed by type, so items pair up.
        var crd = TestCrds.Checkpoint();
        AddRule(TestCrds.Schema(crd, "status.conditions.[]"), "{rule: 'self.status == oldSelf.status || self.lastTransitionTime != oldSelf.lastTransitionTime', message: a status change moves lastTransitionTime}");

        // Assert
        TestCrds.AssertAccepted(crd);
    }

    [Fact]
    public void Crd_Should_BeRefused_When_ARuleMatchesAStringWithoutMaxLength()
    {
        // Arrange: 16 conditions x a regex over a message as long as a request: 20,132,704 > 10,000,000.
        var crd = TestCrds.Checkpoint();
        var condition = TestCrds.Schema(crd, "status.conditions.[]");
        TestCrds.Schema(crd, "status.conditions.[].message").Remove("maxLength");
        AddRule(condition, "{rule: \"self.message.matches('^[A-Z][a-z ]*$')\"}");

        // Assert
        TestCrds.AssertRefused(crd, $"{Conditions}.items.x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of 2.0x {Hint}");
    }

    [Fact]
    public void Crd_Should_BeAccepted_When_TheSameRuleMatchesAStringWithMaxLength()
    {
        // Arrange: with the message's maxLength (32768) the same rule costs 16 x 52,434.
        var crd = TestCrds.Checkpoint();
        AddRule(TestCrds.Schema(crd, "status.conditions.[]"), "{rule: \"self.message.matches('^[A-Z][a-z ]*$')\"}");

        // Assert
        TestCrds.AssertAccepted(crd);
    }

    [Fact]
    public void Crd_Should_BeRefused_When_ARuleIteratesAListWithoutMaxItems()
    {
        // Arrange: without maxItems, 33,825 conditions fit in a request; 417 per item is 14,105,027.
        var crd = TestCrds.Checkpoint();
        var conditions = TestCrds.Schema(crd, "status.conditions");
        conditions.Remove("maxItems");
        AddRule(conditions, "{rule: 'self.all(c, c.message.startsWith(c.reason))'}");

        // Assert
        TestCrds.AssertRefused(crd, $"{Conditions}.x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of 1.410503x {Hint}");
    }

    [Fact]
    public void Crd_Should_BeAccepted_When_TheSameRuleIteratesAListWithMaxItems()
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        AddRule(TestCrds.Schema(crd, "status.conditions"), "{rule: 'self.all(c, c.message.startsWith(c.reason))'}");

        // Assert
        TestCrds.AssertAccepted(crd);
    }

    [Fact]
    public void Crd_Should_BeRefused_When_ItsRulesTogetherExceedTheSchemaBudget()
    {
        // Arrange: 16 rules of 9,600,080 each (16 conditions x 600,005) pass one by one, not together.
        var crd = TestCrds.Checkpoint();
        var condition = TestCrds.Schema(crd, "status.conditions.[]");
        TestCrds.Schema(crd, "status.conditions.[].message")["maxLength"] = 500_000;
        for (var i = 0; i < 16; i++)
        {
            AddRule(condition, "{rule: \"self.message.matches('^[A-Z].*$')\"}");
        }

        // Assert
        TestCrds.AssertRefused(crd, $"spec.validation.openAPIV3Schema: Forbidden: x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget by factor of 1.5x {Hint}");
        TestCrds.AssertRefused(crd, $"{Conditions}.items.x-kubernetes-validations[0].rule: Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema");
        Assert.DoesNotContain(TestCrds.Problems(crd), p => p.Contains("estimated rule cost exceeds budget", StringComparison.Ordinal));
    }

    [Fact]
    public void Crd_Should_BeRefused_When_OneEvaluationExceedsThePerCallLimit()
    {
        // Arrange: 1,572,870 for one evaluation on an unbounded string: within the API server's static
        // budget (the rule runs once), but it would abort at run time; Cryo refuses it.
        var crd = TestCrds.Checkpoint();
        var spec = TestCrds.Schema(crd, "spec");
        spec["properties"]!["note"] = TestCrds.Yaml("{type: string}");
        AddRule(spec, "{rule: \"!has(self.note) || self.note.matches('^[a-z]+(-[a-z]+)*$')\"}");

        // Assert
        TestCrds.AssertRefused(crd, $"{Spec}.x-kubernetes-validations[1].rule: Forbidden: ", "estimated cost of one evaluation (1572870) exceeds the runtime per-call limit 1000000");
        Assert.Single(TestCrds.Problems(crd));
    }
}
