using System.Text.Json;

namespace Cryo.Cli.Tests;

public sealed class CliErrorTests
{
    [Theory]
    [InlineData("checkpoint --name x", "--pid N")]
    [InlineData("checkpoint --pid 1 --container a --name x", "not both")]
    [InlineData("checkpoint --pid 1", "--name is required")]
    [InlineData("checkpoint --pid 1 --name x --compression gzip", "use none or zstd")]
    [InlineData("checkpoint --pid -3 --name x", "positive")]
    [InlineData("restore", "checkpoint name")]
    [InlineData("frobnicate", "unknown command")]
    [InlineData("ls --stop", "unknown option --stop")]
    [InlineData("ls --output yaml", "text or json")]
    public async Task Cli_Should_ExitWithUsageErrorSayingWhatIsWrong_When_CommandLineIsWrong(string commandLine, string expected)
    {
        var (code, _, error) = await CliRun.RunAsync(commandLine.Split(' '));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_Should_SayHowToStartTheAgent_When_NoAgentListens()
    {
        var socket = Path.Combine(Path.GetTempPath(), $"cryo-missing-{Guid.NewGuid():N}.sock");

        var (code, _, error) = await CliRun.RunAsync(["ls", "--socket", socket]);

        Assert.Equal(ExitCodes.AgentUnreachable, code);
        Assert.Contains("dotnet run --project src/Cryo.Agent", error, StringComparison.Ordinal);
        Assert.Contains(socket, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_Should_PrintTheErrorObjectWithEveryKey_When_NoAgentListensInJsonMode()
    {
        var socket = Path.Combine(Path.GetTempPath(), $"cryo-missing-{Guid.NewGuid():N}.sock");

        var (code, output, _) = await CliRun.RunAsync(["ls", "--socket", socket, "--output", "json"]);
        using var json = JsonDocument.Parse(output);
        var error = json.RootElement.GetProperty("error");

        Assert.Equal(ExitCodes.AgentUnreachable, code);
        Assert.Equal("unreachable", error.GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("reason").ValueKind);
        Assert.Contains(socket, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_Should_ExitNonZeroWithTheReasonAsJson_When_CheckpointDoesNotExist()
    {
        await using var agent = await InProcessAgent.StartAsync();

        var (code, output, error) = await CliRun.RunAsync(["inspect", "nope", "--socket", agent.SocketPath, "--output", "json"]);
        using var json = JsonDocument.Parse(output);

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Equal("not_found", json.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("CHECKPOINT_NOT_FOUND", json.RootElement.GetProperty("error").GetProperty("reason").GetString());
        Assert.Contains("cryo ls", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Checkpoint_Should_ExitNonZeroNamingTheField_When_NameIsInvalid()
    {
        await using var agent = await InProcessAgent.StartAsync();

        var (code, _, error) = await CliRun.RunAsync(["checkpoint", "--pid", "1", "--name", "../etc", "--socket", agent.SocketPath]);

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains("name:", error, StringComparison.Ordinal);
        Assert.Equal(0, agent.Checkpoints.Calls);
    }
}
