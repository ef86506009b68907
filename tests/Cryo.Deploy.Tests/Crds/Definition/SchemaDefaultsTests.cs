using System.Text.Json.Nodes;

namespace Cryo.Deploy.Tests.Crds.Definition;

/// <summary>Defaults must be values the API server would accept where they apply, and only where it allows them.</summary>
public sealed class SchemaDefaultsTests
{
    private const string Spec = "spec.validation.openAPIV3Schema.properties[spec]";

    [Fact]
    public void Crd_Should_BeRefused_When_ADefaultBreaksItsSchema()
    {
        // Arrange: timeoutSeconds has minimum 1.
        var crd = TestCrds.Checkpoint();
        TestCrds.Schema(crd, "spec.timeoutSeconds")["default"] = 0;

        // Assert
        TestCrds.AssertRefused(crd, $"{Spec}.properties[timeoutSeconds].default: Invalid value: 0: ", "minimum");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_ADefaultHasTheWrongType()
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        TestCrds.Schema(crd, "spec.leaveRunning")["default"] = "yes";

        // Assert
        TestCrds.AssertRefused(crd, $"{Spec}.properties[leaveRunning].default: Invalid value: \"yes\": ", "type");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_ADefaultHasFieldsPruningWouldDrop()
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        TestCrds.Schema(crd, "status.timings")["default"] = TestCrds.Yaml("{freezeMilliseconds: 0, thawMilliseconds: 0}");

        // Assert
        TestCrds.AssertRefused(crd, "spec.validation.openAPIV3Schema.properties[status].properties[timings].default: Invalid value: {\"freezeMilliseconds\":0,\"thawMilliseconds\":0}: must not have unknown fields");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_ADefaultFailsARule()
    {
        // Arrange: newPod refuses nodeName together with nodeSelector.
        var crd = TestCrds.Restore();
        TestCrds.Schema(crd, "spec.newPod")["default"] = TestCrds.Yaml("{nodeName: node-1, nodeSelector: {zone: a}}");

        // Assert
        TestCrds.AssertRefused(crd, $"{Spec}.properties[newPod].default: Invalid value: ", "set at most one of nodeName and nodeSelector");
    }

    [Fact]
    public void Crd_Should_BeAccepted_When_ADefaultIsValid()
    {
        // Arrange
        var crd = TestCrds.Restore();
        TestCrds.Schema(crd, "spec.newPod")["default"] = TestCrds.Yaml("{nodeSelector: {zone: a}}");

        // Assert
        TestCrds.AssertAccepted(crd);
    }

    [Fact]
    public void Crd_Should_BeRefused_When_ADefaultIsInTopLevelMetadata()
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        TestCrds.Schema(crd, "metadata")["properties"] = TestCrds.Yaml("{name: {type: string, default: checkpoint}}");

        // Assert
        TestCrds.AssertRefused(crd, "spec.validation.openAPIV3Schema.properties[metadata].properties[name].default: Forbidden: must not be set in top-level metadata");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_ADefaultIsOnTopLevelKind()
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        TestCrds.Schema(crd, "kind")["default"] = "Checkpoint";

        // Assert
        TestCrds.AssertRefused(crd, "spec.validation.openAPIV3Schema.properties[kind].default: Forbidden: must not be set in top-level kind");
    }

    [Fact]
    public void Crd_Should_BeRefused_When_ADefaultIsInsideAValueValidation()
    {
        // Arrange
        var crd = TestCrds.Checkpoint();
        TestCrds.Schema(crd, "spec.tcpEstablished")["anyOf"] = new JsonArray(TestCrds.Yaml("{default: true}"), TestCrds.Yaml("{enum: [false]}"));

        // Assert
        TestCrds.AssertRefused(crd, $"{Spec}.properties[tcpEstablished].anyOf[0].default: Forbidden: must be undefined to be structural");
    }
}
