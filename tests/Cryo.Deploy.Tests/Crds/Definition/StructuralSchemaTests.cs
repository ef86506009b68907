using System.Text.Json.Nodes;

namespace Cryo.Deploy.Tests.Crds.Definition;

/// <summary>
/// Structural-schema and OpenAPI rules of the API server, each breaking one real CRD in one place and
/// expecting the API server's message at that path.
/// </summary>
public sealed class StructuralSchemaTests
{
    private const string Spec = "spec.validation.openAPIV3Schema.properties[spec]";
    private const string Status = "spec.validation.openAPIV3Schema.properties[status]";

    // Each row removes one keyword from one field of the Checkpoint CRD that the API server requires there.
    [Theory]
    // a field with no type
    [InlineData("spec.podName", "type", $"{Spec}.properties[podName].type: Required value: must not be empty for specified object fields")]
    // array items with no type
    [InlineData("status.conditions.[]", "type", $"{Status}.properties[conditions].items.type: Required value: must not be empty for specified array items")]
    // a map list with no keys
    [InlineData("status.conditions", "x-kubernetes-list-map-keys", $"{Status}.properties[conditions].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map")]
    public void Crd_Should_BeRefused_When_AFieldLacksAKeywordItNeeds(string field, string keyword, string expected)
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        TestCrds.Schema(crd, field).Remove(keyword);

        // Assert
        TestCrds.AssertRefused(crd, expected);
    }

    [Fact]
    public void Crd_Should_BeAccepted_When_AnUntypedFieldPreservesUnknownFields()
    {
        // Arrange: podSpec may drop its type because it keeps whatever it is given.
        var crd = TestCrds.Checkpoint();
        TestCrds.Schema(crd, "status.podSpec").Remove("type");

        // Assert
        TestCrds.AssertAccepted(crd);
    }

    // Each row adds one property, declared as the API server refuses it, to a field of the Checkpoint CRD.
    [Theory]
    // an array with no items
    [InlineData("spec", "args", "{type: array, maxItems: 4}", $"{Spec}.properties[args].items: Required value: must be specified")]
    // items that are a list of schemas
    [InlineData("spec", "args", "{type: array, items: [{type: string}]}", $"{Spec}.properties[args].items: Forbidden: items must be a schema object and not an array")]
    // int-or-string naming other types: only the exact integer/string pair may carry types under anyOf
    [InlineData("spec", "memoryLimit", "{x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: boolean}]}", $"{Spec}.properties[memoryLimit].anyOf[1].type: Forbidden: must be empty to be structural")]
    // int-or-string that also preserves unknown fields
    [InlineData("spec", "memoryLimit", "{x-kubernetes-int-or-string: true, x-kubernetes-preserve-unknown-fields: true}", $"{Spec}.properties[memoryLimit].x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true")]
    // an embedded resource with no fields that prunes
    [InlineData("status", "pod", "{type: object, x-kubernetes-embedded-resource: true}", $"{Status}.properties[pod].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields")]
    public void Crd_Should_BeRefused_When_AnAddedPropertyBreaksARule(string parent, string property, string yaml, string expected)
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        TestCrds.Schema(crd, parent)["properties"]![property] = TestCrds.Yaml(yaml);

        // Assert
        TestCrds.AssertRefused(crd, expected);
    }

    [Theory]
    [InlineData("$ref", "'#/definitions/pod'", "$ref: Forbidden: $ref is not supported")]
    [InlineData("id", "pod", "id: Forbidden: id is not supported")]
    [InlineData("patternProperties", "{'^a': {type: string}}", "patternProperties: Forbidden: patternProperties is not supported")]
    [InlineData("definitions", "{pod: {type: string}}", "definitions: Forbidden: definitions is not supported")]
    [InlineData("uniqueItems", "true", "uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic")]
    [InlineData("x-kubernetes-preserve-unknown-fields", "false", "x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined")]
    public void Crd_Should_BeRefused_When_AFieldUsesAnUnsupportedKeyword(string keyword, string yaml, string expected)
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        TestCrds.Schema(crd, "spec.containerName")[keyword] = TestCrds.Yaml(yaml);

        // Assert
        TestCrds.AssertRefused(crd, $"{Spec}.properties[containerName].{expected}");
    }

    // Each row sets one keyword of one field of the Checkpoint CRD to a value the API server refuses there.
    [Theory]
    // a type that is no OpenAPI type
    [InlineData("spec.timeoutSeconds", "type", "int", $"{Spec}.properties[timeoutSeconds].type: Unsupported value: \"int\": supported values: \"array\", \"boolean\", \"integer\", \"number\", \"object\", \"string\"")]
    // a map type on a string
    [InlineData("spec.podName", "x-kubernetes-map-type", "atomic", $"{Spec}.properties[podName].type: Invalid value: \"string\": must be object if x-kubernetes-map-type is specified")]
    // a list type on an object
    [InlineData("status.timings", "x-kubernetes-list-type", "atomic", $"{Status}.properties[timings].type: Invalid value: \"object\": must be array if x-kubernetes-list-type is specified")]
    // a list type that does not exist
    [InlineData("status.conditions", "x-kubernetes-list-type", "bag", $"{Status}.properties[conditions].x-kubernetes-list-type: Unsupported value: \"bag\": supported values: \"atomic\", \"set\", \"map\"")]
    // list map keys set on a list that is no map list
    [InlineData("status.conditions", "x-kubernetes-list-type", "atomic", $"{Status}.properties[conditions].x-kubernetes-list-type: Invalid value: \"atomic\": must be map if x-kubernetes-list-map-keys is non-empty")]
    public void Crd_Should_BeRefused_When_AKeywordHasAValueItsFieldCannotTake(string field, string keyword, string value, string expected)
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        TestCrds.Schema(crd, field)[keyword] = value;

        // Assert
        TestCrds.AssertRefused(crd, expected);
    }

    [Fact]
    public void Crd_Should_BeRefused_When_PropertiesAndAdditionalPropertiesMix()
    {
        // Arrange
        var crd = TestCrds.Restore();
        TestCrds.Schema(crd, "spec.newPod.nodeSelector")["properties"] = TestCrds.Yaml("{zone: {type: string}}");

        // Assert
        TestCrds.AssertRefused(crd, $"{Spec}.properties[newPod].properties[nodeSelector].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_TheRootHasAdditionalProperties()
    {
        // Arrange
        var crd = TestCrds.Restore();
        TestCrds.Schema(crd)["additionalProperties"] = false;

        // Assert
        TestCrds.AssertRefused(crd, "spec.validation.openAPIV3Schema.additionalProperties: Forbidden: must not be used at the root");
    }

    [Theory]
    [InlineData("type: string", "type: Forbidden: must be empty to be structural")]
    [InlineData("description: why", "description: Forbidden: must be empty to be structural")]
    [InlineData("title: why", "title: Forbidden: must be empty to be structural")]
    [InlineData("default: a", "default: Forbidden: must be undefined to be structural")]
    [InlineData("nullable: true", "nullable: Forbidden: must be false to be structural")]
    [InlineData("additionalProperties: false", "additionalProperties: Forbidden: must be undefined to be structural")]
    [InlineData("x-kubernetes-preserve-unknown-fields: true", "x-kubernetes-preserve-unknown-fields: Forbidden: must be false to be structural")]
    [InlineData("x-kubernetes-int-or-string: true", "x-kubernetes-int-or-string: Forbidden: must be false to be structural")]
    [InlineData("x-kubernetes-list-type: atomic", "x-kubernetes-list-type: Forbidden: must be undefined to be structural")]
    [InlineData("x-kubernetes-validations: [{rule: 'true'}]", "x-kubernetes-validations: Forbidden: must be empty to be structural")]
    public void Crd_Should_BeRefused_When_AValueValidationDeclaresMoreThanValues(string clause, string expected)
    {
        // Arrange: allOf/anyOf/oneOf/not may only restrict values.
        var crd = TestCrds.Checkpoint();
        TestCrds.Schema(crd, "spec.containerName")["allOf"] = new JsonArray(TestCrds.Yaml($"{{maxLength: 40, {clause}}}"));

        // Assert
        TestCrds.AssertRefused(crd, $"{Spec}.properties[containerName].allOf[0].{expected}");
    }

    [Theory]
    [InlineData("anyOf")]
    [InlineData("oneOf")]
    public void Crd_Should_BeRefused_When_AJunctorNamesMetadata(string junctor)
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        TestCrds.Schema(crd)[junctor] = TestCrds.Yaml("[{properties: {metadata: {required: [name]}}}, {required: [spec]}]");

        // Assert
        TestCrds.AssertRefused(crd, $"spec.validation.openAPIV3Schema.{junctor}[0].properties[metadata]: Forbidden: must not be specified in a nested context");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_AJunctorNamesAFieldTheSchemaLacks()
    {
        // Arrange: pruning would drop the field the clause validates.
        var crd = TestCrds.Checkpoint();
        TestCrds.Schema(crd, "spec")["not"] = TestCrds.Yaml("{properties: {podIP: {pattern: '^10\\.'}}}");

        // Assert
        TestCrds.AssertRefused(crd, $"{Spec}.properties[podIP]: Required value: because it is defined in {Spec}.not.properties[podIP]");
    }

    [Fact]
    public void Crd_Should_BeAccepted_When_IntOrStringUsesTheAnyOfPattern()
    {
        // Arrange: the one place a junctor may carry types.
        var crd = TestCrds.Checkpoint();
        TestCrds.Schema(crd, "spec")["properties"]!["memoryLimit"] = TestCrds.Yaml(
            "{x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}], pattern: '^[0-9]+(Mi|Gi)?$'}");

        // Assert
        TestCrds.AssertAccepted(crd);
    }

    [Fact]
    public void Crd_Should_BeRefused_When_AnEmbeddedResourceIsNotAnObject()
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        var podSpec = TestCrds.Schema(crd, "status.podSpec");
        podSpec["x-kubernetes-embedded-resource"] = true;
        podSpec["type"] = "string";

        // Assert
        TestCrds.AssertRefused(crd, $"{Status}.properties[podSpec].type: Invalid value: \"string\": must be object if x-kubernetes-embedded-resource is true");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_APatternIsNotRe2()
    {
        // Arrange: look-ahead compiles in .NET, not in Go's RE2.
        var crd = TestCrds.Checkpoint();
        TestCrds.Schema(crd, "spec.containerName")["pattern"] = "^(?!kube-)[a-z0-9-]+$";

        // Assert
        TestCrds.AssertRefused(crd, $"{Spec}.properties[containerName].pattern: Invalid value: \"^(?!kube-)[a-z0-9-]+$\": ", "must be a valid regular expression, but isn't");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_AMapListKeyIsNeitherRequiredNorDefaulted()
    {
        // Arrange: an item without its key could not be merged or paired with its old self.
        var crd = TestCrds.Checkpoint();
        TestCrds.Schema(crd, "status.conditions.[]")["required"] = new JsonArray("status", "lastTransitionTime", "reason", "message");

        // Assert
        TestCrds.AssertRefused(crd, $"{Status}.properties[conditions].items.properties[type].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_AMapListKeyIsNotAnItemProperty()
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        TestCrds.Schema(crd, "status.conditions")["x-kubernetes-list-map-keys"] = new JsonArray("kind");

        // Assert
        TestCrds.AssertRefused(crd, $"{Status}.properties[conditions].x-kubernetes-list-map-keys: Invalid value: [\"kind\"]: entries must all be names of item properties");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_SetItemsAreGranularObjects()
    {
        // Arrange: a set compares whole items, so its object items must be atomic.
        var crd = TestCrds.Checkpoint();
        var conditions = TestCrds.Schema(crd, "status.conditions");
        conditions["x-kubernetes-list-type"] = "set";
        conditions.Remove("x-kubernetes-list-map-keys");

        // Assert
        TestCrds.AssertRefused(crd, $"{Status}.properties[conditions].items.x-kubernetes-map-type: Invalid value: null: must be atomic as item of a list with x-kubernetes-list-type=set");
    }

    [Fact]
    public void Crd_Should_BeAccepted_When_SetItemsAreScalars()
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        TestCrds.Schema(crd, "spec")["properties"]!["args"] = TestCrds.Yaml(
            "{type: array, maxItems: 8, x-kubernetes-list-type: set, items: {type: string, maxLength: 64}}");

        // Assert
        TestCrds.AssertAccepted(crd);
    }

    [Fact]
    public void Crd_Should_BeRefused_When_AnEmbeddedResourceIsInsideMetadata()
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        TestCrds.Schema(crd, "status.podSpec")["x-kubernetes-embedded-resource"] = true;
        TestCrds.Schema(crd, "status.podSpec")["properties"] = TestCrds.Yaml(
            "{metadata: {type: object, properties: {owner: {type: object, x-kubernetes-embedded-resource: true, x-kubernetes-preserve-unknown-fields: true}}}}");

        // Assert
        TestCrds.AssertRefused(crd, $"{Status}.properties[podSpec].properties[metadata].properties[owner].x-kubernetes-embedded-resource: Forbidden: must not be used inside of resource meta");
    }
}
