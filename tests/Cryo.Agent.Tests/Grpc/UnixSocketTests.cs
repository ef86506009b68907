using System.Net.Sockets;
using Cryo.Contracts.Agent.V1;

namespace Cryo.Agent.Tests.Grpc;

public sealed class UnixSocketTests
{
    [Fact]
    public async Task Socket_Should_HaveMode0600_When_AgentServes()
    {
        await using var agent = await InProcessAgent.StartAsync();

        var mode = File.GetUnixFileMode(agent.SocketPath);
        var list = await agent.UnixClient().ListCheckpointsAsync(new ListCheckpointsRequest(), deadline: DateTime.UtcNow + AgentCalls.Deadline);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
        Assert.Empty(list.Checkpoints);
    }

    [Fact]
    public async Task Agent_Should_ReplaceStaleSocket_When_PreviousAgentDidNotCleanUp()
    {
        var agent = InProcessAgent.Create();
        await using (agent)
        {
            // .NET unlinks a socket's file when the socket is disposed: bind elsewhere and move the file
            // into place, so what is left is a socket file no process listens on, as after a crash.
            var elsewhere = agent.SocketPath + ".old";
            using (var stale = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            {
                stale.Bind(new UnixDomainSocketEndPoint(elsewhere));
                File.Move(elsewhere, agent.SocketPath);
            }

            Assert.True(File.Exists(agent.SocketPath));

            await agent.RunAsync();
            var info = await agent.UnixClient().GetNodeInfoAsync(new GetNodeInfoRequest(), deadline: DateTime.UtcNow + AgentCalls.Deadline);

            Assert.Equal("test-node", info.NodeName);
        }
    }

    [Fact]
    public async Task Agent_Should_RefuseToStart_When_SocketPathIsARegularFile()
    {
        await using var agent = InProcessAgent.Create();
        await File.WriteAllTextAsync(agent.SocketPath, "precious");

        var error = await Assert.ThrowsAnyAsync<Exception>(agent.RunAsync);

        Assert.Contains("Agent:SocketPath", error.ToString(), StringComparison.Ordinal);
        Assert.Equal("precious", await File.ReadAllTextAsync(agent.SocketPath));
    }
}
