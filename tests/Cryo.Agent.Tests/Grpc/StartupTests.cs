using Cryo.Agent.Hosting;
using Cryo.Criu;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cryo.Agent.Tests.Grpc;

public sealed class StartupTests
{
    [Fact]
    public async Task Agent_Should_RefuseToStartSayingWhy_When_CriuIsOlderThanTheMinimum()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => InProcessAgent.StartAsync(criuVersion: new CriuVersion(4, 1, 1)));

        Assert.Contains("CRIU 4.1.1", error.Message, StringComparison.Ordinal);
        Assert.Contains("older than 4.2.0", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Agent:MaxParallelOperations", "0")]
    [InlineData("Agent:SocketPath", "relative.sock")]
    [InlineData("Agent:TcpPort", "70000")]
    public async Task Agent_Should_FailFastNamingTheSetting_When_ASettingIsInvalid(string key, string value)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => InProcessAgent.StartAsync(s => s[key] = value));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Csi:DriverName", "-placeholder.cryo.io")]
    [InlineData("Csi:SocketPath", "csi.sock")]
    [InlineData("Csi:PlaceholderProgram", "/nonexistent/cryo-placeholder")]
    public async Task Agent_Should_FailFastNamingTheSetting_When_ACsiDriverSettingIsInvalid(string key, string value)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => InProcessAgent.StartAsync(s =>
        {
            s["Csi:Enabled"] = "true";
            s["Csi:PlaceholderProgram"] = "/bin/sh";
            s[key] = value;
        }));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_Should_FailFastNamingTheSetting_When_TlsIsConfiguredWithoutCertificates()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => InProcessAgent.StartAsync(s => s["Agent:TcpPort"] = "0"));

        Assert.Contains("Agent:TlsCertificatePath", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_Should_TakeStoreSocketAndNodeFromTheCommandLine_When_RunWithSwitches()
    {
        var directory = Directory.CreateTempSubdirectory("cryo-switches-").FullName;
        try
        {
            var store = Path.Combine(directory, "store");
            var socket = Path.Combine(directory, "agent.sock");
            var catalog = new FakeCatalog(directory);
            await using var app = AgentHost.Build(["--store", store, "--socket", socket, "--node-name", "Node-7", "--max-parallel", "3"], builder =>
            {
                builder.Services.AddSingleton<ICheckpointEngine>(new FakeCheckpointEngine(catalog));
                builder.Services.AddSingleton<IRestoreEngine>(new FakeRestoreEngine(catalog));
            });

            var agent = app.Services.GetRequiredService<IOptions<AgentOptions>>().Value;
            var images = app.Services.GetRequiredService<IOptions<ImageStoreOptions>>().Value;

            Assert.Equal(socket, agent.SocketPath);
            Assert.Equal("Node-7", agent.NodeName);
            Assert.Equal(3, agent.MaxParallelOperations);
            Assert.Equal(store, images.RootDirectory);
            Assert.Equal("node-7", images.OwnerId);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
