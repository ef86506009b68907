using Xunit;
using Cryo.Criu;
using Microsoft.Extensions.Options;

namespace Cryo.Agent.Tests.Grpc;

public sealed class StartupTests
{
    [Fact]
    public async Task Agent_Should_RefuseToStartSayingWhy_When_CriuIsOlderThanTheMinimum()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TestAgent.StartAsync(criuVersion: new CriuVersion(4, 1, 1)));

        Assert.Contains("CRIU 4.1.1", error.Message, StringComparison.Ordinal);
        Assert.Contains("older than 4.2.0", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Agent:MaxParallelOperations", "0")]
    [InlineData("Agent:SocketPath", "relative.sock")]
    [InlineData("Agent:TcpPort", "70000")]
    public async Task Agent_Should_FailFastNamingTheSetting_When_ASettingIsInvalid(string key, string value)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestAgent.StartAsync(s => s[key] = value));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_Should_FailFastNamingTheSetting_When_TlsIsConfiguredWithoutCertificates()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestAgent.StartAsync(s => s["Agent:TcpPort"] = "0"));

        Assert.Contains("Agent:TlsCertificatePath", error.Message, StringComparison.Ordinal);
    }
}
