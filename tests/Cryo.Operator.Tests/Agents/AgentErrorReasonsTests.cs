using Cryo.Contracts.Agent.V1;

namespace Cryo.Operator.Tests.Agents;

public sealed class AgentErrorReasonsTests
{
    [Theory]
    [InlineData("FEATURE_UNAVAILABLE", ErrorReason.FeatureUnavailable)]
    [InlineData("CRIU_FAILED", ErrorReason.CriuFailed)]
    [InlineData("TIMED_OUT", ErrorReason.TimedOut)]
    [InlineData("ERROR_REASON_UNSPECIFIED", ErrorReason.Unspecified)]
    public void Parse_Should_ReadTheNameTheAgentSends(string name, ErrorReason reason)
    {
        // Act
        var parsed = AgentErrorReasons.Parse(name);

        // Assert
        Assert.Equal(reason, parsed);
        Assert.Equal(name, AgentErrorReasons.NameOf(parsed));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("FeatureUnavailable")]
    [InlineData("feature_unavailable")]
    [InlineData("A_REASON_FROM_A_NEWER_AGENT")]
    public void Parse_Should_SayUnspecified_When_TheNameIsMissingOrNotTheWireName(string? name)
    {
        // Act
        var parsed = AgentErrorReasons.Parse(name);

        // Assert
        Assert.Equal(ErrorReason.Unspecified, parsed);
    }

    [Fact]
    public void Parse_Should_KnowEveryReasonOfTheProto()
    {
        // Act + Assert: every value round-trips through its wire name.
        Assert.All(Enum.GetValues<ErrorReason>(), reason => Assert.Equal(reason, AgentErrorReasons.Parse(AgentErrorReasons.NameOf(reason))));
    }
}
