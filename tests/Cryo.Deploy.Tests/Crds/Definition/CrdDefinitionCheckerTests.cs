using System.Text.Json.Nodes;

namespace Cryo.Deploy.Tests.Crds.Definition;

/// <summary>
/// The CRDs pass what kube-apiserver checks when they are created, and each check refuses a CRD broken by
/// one change with the message the API server prints. Schema rules: <see cref="StructuralSchemaTests"/>,
/// defaults: <see cref="SchemaDefaultsTests"/>, CEL rules and cost: <see cref="CelRuleTests"/>.
/// </summary>
public sealed class CrdDefinitionCheckerTests
{
    private const string Schema = "spec.validation.openAPIV3Schema";

    [Theory]
    [MemberData(nameof(TestCrds.Files), MemberType = typeof(TestCrds))]
    public void Crd_Should_PassTheApiServersChecks(string file)
    {
        // Act
        var problems = CrdDefinitionChecker.CheckFile(Support.RepoRoot.Combine($"crds/{file}"));

        // Assert
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    // Issue 12: kube-apiserver 1.36 refused both CRDs for exactly this: a description, fields of its own or rules on the
    // root metadata, which may restrict the name and nothing else.
    [Theory]
    [InlineData("checkpoints", "description", "Standard object metadata.")]
    [InlineData("restores", "properties", "{name: {type: string}, labels: {type: object, additionalProperties: {type: string}}}")]
    [InlineData("checkpoints", "x-kubernetes-validations", "[{rule: 'self.name.size() < 50'}]")]
    public void Crd_Should_BeRefused_When_RootMetadataSaysMoreThanItsName(string crdPlural, string keyword, string yaml)
    {
        // Arrange
        var crd = crdPlural == "restores" ? TestCrds.Restore() : TestCrds.Checkpoint();
        TestCrds.Schema(crd, "metadata")[keyword] = TestCrds.Yaml(yaml);

        // Assert
        TestCrds.AssertRefused(crd, $"{Schema}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified");
    }

    [Fact]
    public void Crd_Should_BeAccepted_When_RootMetadataRestrictsNameOnly()
    {
        // Arrange: the one restriction the API server lets a CRD add to metadata.
        var crd = TestCrds.Checkpoint();
        TestCrds.Schema(crd, "metadata")["properties"] = TestCrds.Yaml("{name: {type: string, maxLength: 63}}");

        // Assert
        TestCrds.AssertAccepted(crd);
    }

    [Theory]
    [InlineData("metadata", "string", "object")]
    [InlineData("kind", "integer", "string")]
    public void Crd_Should_BeRefused_When_AFieldEveryObjectHasIsOfAnotherType(string field, string type, string mustBe)
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        TestCrds.Schema(crd, field)["type"] = type;

        // Assert
        TestCrds.AssertRefused(crd, $"{Schema}.properties[{field}].type: Invalid value: \"{type}\": must be {mustBe}");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_NameIsNotPluralDotGroup()
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        crd["metadata"]!["name"] = "checkpoint.cryo.io";

        // Assert
        TestCrds.AssertRefused(crd, "metadata.name: Invalid value: \"checkpoint.cryo.io\": must be spec.names.plural+\".\"+spec.group");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_PluralIsNotLowercase()
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        crd["spec"]!["names"]!["plural"] = "Checkpoints";
        crd["metadata"]!["name"] = "Checkpoints.cryo.io";

        // Assert
        TestCrds.AssertRefused(crd, "spec.names.plural: Invalid value: \"Checkpoints\": ", "a DNS-1035 label must consist of lower case alphanumeric characters");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_KindEqualsListKind()
    {
        // Arrange
        var crd = TestCrds.Restore();
        crd["spec"]!["names"]!["listKind"] = "Restore";

        // Assert
        TestCrds.AssertRefused(crd, "spec.names.listKind: Invalid value: \"Restore\": kind and listKind may not be the same");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_ShortNameIsNotALabel()
    {
        // Arrange
        var crd = TestCrds.Restore();
        crd["spec"]!["names"]!["shortNames"] = new JsonArray("rst", "re_store");

        // Assert
        TestCrds.AssertRefused(crd, "spec.names.shortNames[1]: Invalid value: \"re_store\": ", "DNS-1035 label");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_GroupHasNoDot()
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        crd["spec"]!["group"] = "cryo";
        crd["metadata"]!["name"] = "checkpoints.cryo";

        // Assert
        TestCrds.AssertRefused(crd, "spec.group: Invalid value: \"cryo\": should be a domain with at least one dot");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_ScopeIsUnknown()
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        crd["spec"]!["scope"] = "Namespace";

        // Assert
        TestCrds.AssertRefused(crd, "spec.scope: Unsupported value: \"Namespace\": supported values: \"Cluster\", \"Namespaced\"");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_NoVersionIsTheStorageVersion()
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        TestCrds.Version(crd)["storage"] = false;

        // Assert
        TestCrds.AssertRefused(crd, "spec.versions: Invalid value: ", "must have exactly one version marked as storage version");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_TwoVersionsAreStorageVersions()
    {
        // Arrange: a second version with another schema, so schemas are checked per version.
        var crd = TestCrds.Checkpoint();
        var second = (JsonObject)TestCrds.Version(crd).DeepClone();
        second["name"] = "v1alpha2";
        ((JsonObject)second["schema"]!["openAPIV3Schema"]!)["description"] = "A newer Checkpoint.";
        ((JsonArray)crd["spec"]!["versions"]!).Add(second);

        // Assert
        TestCrds.AssertRefused(crd, "spec.versions: Invalid value: ", "must have exactly one version marked as storage version");
    }

    [Fact]
    public void Crd_Should_ReportPerVersionPaths_When_VersionsHaveDifferentSchemas()
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        var second = (JsonObject)TestCrds.Version(crd).DeepClone();
        second["name"] = "v1alpha2";
        second["storage"] = false;
        ((JsonObject)second["schema"]!["openAPIV3Schema"]!["properties"]!["metadata"]!)["description"] = "Standard object metadata.";
        ((JsonArray)crd["spec"]!["versions"]!).Add(second);

        // Assert
        TestCrds.AssertRefused(crd, "spec.versions[1].schema.openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_VersionNameIsNotALabel()
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        TestCrds.Version(crd)["name"] = "V1alpha1";

        // Assert
        TestCrds.AssertRefused(crd, "spec.versions[0].name: Invalid value: \"V1alpha1\": ", "DNS-1035 label");
    }

    [Theory]
    [InlineData("type", "uint64", "spec.additionalPrinterColumns[3].type: Invalid value: \"uint64\": must be one of boolean,date,integer,number,string")]
    [InlineData("format", "uint64", "spec.additionalPrinterColumns[3].format: Invalid value: \"uint64\": must be one of byte,date,date-time,double,float,int32,int64,password")]
    [InlineData("jsonPath", "status.sizeBytes", "spec.additionalPrinterColumns[3].JSONPath: Invalid value: \"status.sizeBytes\": must be a simple json path starting with .")]
    public void Crd_Should_BeRefused_When_APrinterColumnIsInvalid(string field, string value, string expected)
    {
        // Arrange: column 3 is Size (integer, int64, .status.sizeBytes).
        var crd = TestCrds.Checkpoint();
        TestCrds.Version(crd)["additionalPrinterColumns"]![3]![field] = value;

        // Assert
        TestCrds.AssertRefused(crd, expected);
    }

    [Fact]
    public void Crd_Should_BeRefused_When_APrinterColumnHasNoName()
    {
        // Arrange
        var crd = TestCrds.Restore();
        ((JsonObject)TestCrds.Version(crd)["additionalPrinterColumns"]![0]!).Remove("name");

        // Assert
        TestCrds.AssertRefused(crd, "spec.additionalPrinterColumns[0].name: Required value");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_ScalePathIsOutsideSpec()
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        TestCrds.Version(crd)["subresources"]!["scale"] = TestCrds.Yaml("{specReplicasPath: .status.replicas, statusReplicasPath: .status.replicas}");

        // Assert
        TestCrds.AssertRefused(crd, "spec.subresources.scale.specReplicasPath: Invalid value: \".status.replicas\": should be a json path under .spec");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_TheRootHasMoreThanStatusAllows()
    {
        // Arrange: with the status subresource, status is validated by properties[status] alone.
        var crd = TestCrds.Checkpoint();
        TestCrds.Schema(crd)["minProperties"] = 1;

        // Assert
        TestCrds.AssertRefused(crd, "spec.validation.openAPIV3Schema: Invalid value: ", "fields are allowed at the root of the schema if the status subresource is enabled");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_TheRootIsNullable()
    {
        // Arrange
        var crd = TestCrds.Restore();
        TestCrds.Schema(crd)["nullable"] = true;

        // Assert
        TestCrds.AssertRefused(crd, "spec.validation.openAPIV3Schema.nullable: Forbidden: nullable cannot be true at the root");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_ASchemaKeywordIsMisspelt()
    {
        // Arrange: kubectl asks for strict field validation; a typo is an unknown field, not ignored.
        var crd = TestCrds.Checkpoint();
        var podName = TestCrds.Schema(crd, "spec.podName");
        podName.Remove("maxLength");
        podName["maxlength"] = 253;

        // Assert
        TestCrds.AssertRefused(crd, "strict decoding error: spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[podName].maxlength: unknown field");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_AKeywordHasTheWrongJsonType()
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        TestCrds.Schema(crd)["required"] = "spec";

        // Assert
        TestCrds.AssertRefused(crd, "strict decoding error: spec.versions[0].schema.openAPIV3Schema.required: must be a list, got string");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_PreserveUnknownFieldsIsSetOnTheSpec()
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        crd["spec"]!["preserveUnknownFields"] = true;

        // Assert
        TestCrds.AssertRefused(crd, "spec.preserveUnknownFields: Invalid value: true: cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_ASelectableFieldPointsIntoMetadata()
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        TestCrds.Version(crd)["selectableFields"] = TestCrds.Yaml("[{jsonPath: .spec.podName}, {jsonPath: .spec.leaveRunning}, {jsonPath: .status.timings}]");

        // Assert: podName and leaveRunning are fine; timings is an object.
        TestCrds.AssertRefused(crd, "spec.versions[0].selectableFields[2].jsonPath: Invalid value: \".status.timings\": must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.");
        Assert.Single(TestCrds.Problems(crd));
    }
}
