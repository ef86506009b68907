using System.Text.Json.Nodes;

namespace Cryo.Deploy.Tests.Crds.Definition;

/// <summary>
/// The cost estimate equals the API server's on the cases its own tests pin
/// (apiextensions-apiserver pkg/apiserver/schema/cel compilation_test.go, TestCostEstimation), once with the
/// sizes estimated from a 3 MiB request and once with a declared maxLength/maxItems/maxProperties.
/// </summary>
public sealed class CelCostParityTests
{
    [Theory]
    [InlineData("{type: array, items: {type: number}}", "self.all(x, x == 0.0)", 6291454)]
    [InlineData("{type: array, maxItems: 6291456, items: {type: number}}", "self.all(x, x == 0.0)", 25165826)]
    [InlineData("{type: array, items: {x-kubernetes-int-or-string: true}}", "self.all(x, true)", 4718591)]
    [InlineData("{type: array, maxItems: 10, items: {x-kubernetes-int-or-string: true}}", "self.all(x, true)", 32)]
    [InlineData("{type: array, items: {type: string, format: duration}}", "self.all(x, true)", 2359295)]
    [InlineData("{type: array, maxItems: 5, items: {type: string, format: duration}}", "self.all(x, true)", 17)]
    [InlineData("{type: array, items: {type: string, format: date}}", "self.all(x, true)", 725936)]
    [InlineData("{type: array, items: {type: string, format: date-time}}", "self.all(x, true)", 428963)]
    [InlineData("{type: array, maxItems: 25, items: {type: string, format: date-time}}", "self.all(x, true)", 77)]
    [InlineData("{type: object, additionalProperties: {x-kubernetes-int-or-string: true}}", "self.all(x, true)", 1348169)]
    [InlineData("{type: object, maxProperties: 15, additionalProperties: {x-kubernetes-int-or-string: true}}", "self.all(x, true)", 47)]
    [InlineData("{type: object, additionalProperties: {type: string, format: duration}}", "self.all(x, true)", 1048577)]
    [InlineData("{type: object, additionalProperties: {type: string, format: date}}", "self.all(x, true)", 524288)]
    [InlineData("{type: object, additionalProperties: {type: string, format: date-time}}", "self['a'] == self['b']", 8)]
    [InlineData("{type: object, additionalProperties: {type: integer}}", "oldSelf.size() == self.size()", 5)]
    [InlineData("{type: object, additionalProperties: {type: number}}", "self['x'] == 0.0", 2)]
    [InlineData("{type: string}", "self == 'x'", 2)]
    [InlineData("{type: string, maxLength: 0}", "self == 'x'", 1)]
    [InlineData("{type: string, enum: [A, B, C, LongValue]}", "self.contains('A')", 2)]
    [InlineData("{type: string, enum: [A, B, C, LongValue], maxLength: 1000}", "self.contains('A')", 401)]
    public void Estimator_Should_MatchTheApiServer_OnItsOwnCostCases(string schemaYaml, string rule, long expected)
    {
        // Arrange
        var schema = Schema(schemaYaml);
        var self = CelDeclTypes.Of(schema, isResourceRoot: false)!;

        // Act
        var estimate = CelCostEstimator.Estimate(CelParser.Parse(rule), self);

        // Assert
        Assert.Empty(estimate.Errors);
        Assert.Equal((ulong)expected, estimate.MaxCost);
    }

    [Fact]
    public void Estimator_Should_ChargeAtLeastTheApiServer_ForPresenceTests()
    {
        // Arrange: the API server charges has(self.x) on a map 0 (its compilation_test.go); this checker 2.
        var schema = Schema("{type: object, additionalProperties: {type: string, format: date}}");

        // Act
        var estimate = CelCostEstimator.Estimate(CelParser.Parse("has(self.x)"), CelDeclTypes.Of(schema, isResourceRoot: false)!);

        // Assert
        Assert.Equal(2UL, estimate.MaxCost);
    }

    [Fact]
    public void Estimator_Should_SeeTypeAndObjectMeta_AtAResourceRoot()
    {
        // Arrange
        var schema = Schema("{type: object, properties: {spec: {type: object}}}");

        // Act
        var atRoot = CelCostEstimator.Estimate(CelParser.Parse("self.metadata.name.startsWith('a') && self.kind == 'Checkpoint'"), CelDeclTypes.Of(schema, isResourceRoot: true)!);
        var nested = CelCostEstimator.Estimate(CelParser.Parse("self.metadata.name.startsWith('a')"), CelDeclTypes.Of(schema, isResourceRoot: false)!);

        // Assert
        Assert.Empty(atRoot.Errors);
        Assert.Contains(nested.Errors, e => e.Contains("undefined field 'metadata'", StringComparison.Ordinal));
    }

    private static SchemaNode Schema(string yaml) => new((JsonObject)YamlDocuments.Parse(yaml, "test").Single());
}
