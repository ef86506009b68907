namespace Cryo.Cli.Tests;

public sealed class CliRoundTripTests
{
    [Fact]
    public async Task Cli_Should_CheckpointListInspectRestoreAndRemove_When_TalkingToAnAgentWithJsonOutput()
    {
        await using var agent = await InProcessAgent.StartAsync();

        var checkpoint = await CliRun.JsonAsync(agent, "checkpoint", "--pid", "4242", "--name", "web-1", "--tcp-established");
        var list = await CliRun.JsonAsync(agent, "ls");
        var inspect = await CliRun.JsonAsync(agent, "inspect", "web-1");
        var restore = await CliRun.JsonAsync(agent, "restore", "web-1");
        var node = await CliRun.JsonAsync(agent, "node");
        var removed = await CliRun.JsonAsync(agent, "rm", "web-1");
        var removedAgain = await CliRun.JsonAsync(agent, "rm", "web-1");
        var listAfter = await CliRun.JsonAsync(agent, "ls");

        Assert.Equal("web-1", checkpoint.GetProperty("checkpoint").GetProperty("name").GetString());
        Assert.Equal("default", checkpoint.GetProperty("checkpoint").GetProperty("namespace").GetString());
        Assert.Equal("12288", checkpoint.GetProperty("sizeBytes").GetString());
        Assert.Equal("web-1", list.GetProperty("checkpoints")[0].GetProperty("checkpoint").GetProperty("name").GetString());
        Assert.True(inspect.GetProperty("summary").GetProperty("options").GetProperty("tcpEstablished").GetBoolean());
        Assert.True(inspect.GetProperty("summary").GetProperty("options").GetProperty("leaveRunning").GetBoolean());
        Assert.Equal("/bin/sleep", inspect.GetProperty("processes")[0].GetProperty("args")[0].GetString());
        Assert.True(restore.GetProperty("hostPid").GetInt32() > 0);
        Assert.Equal(1, restore.GetProperty("namespacePid").GetInt32());
        Assert.Equal("4.2.1", node.GetProperty("criuVersion").GetString());
        Assert.True(removed.GetProperty("deleted").GetBoolean());
        Assert.False(removedAgain.GetProperty("deleted").GetBoolean());
        Assert.Equal(0, listAfter.GetProperty("checkpoints").GetArrayLength());
        Assert.Equal(1, agent.Checkpoints.Calls);
        Assert.Equal(1, agent.Restores.Calls);
    }

    [Fact]
    public async Task Checkpoint_Should_StopTheTreeAndUseTheContainer_When_StopAndContainerAreGiven()
    {
        await using var agent = await InProcessAgent.StartAsync();

        await CliRun.JsonAsync(agent, "checkpoint", "--container", "abc123", "--name", "db", "--namespace", "team-a", "--stop", "--file-locks");
        var record = await agent.Catalog.FindAsync("team-a", "db", CancellationToken.None);

        Assert.NotNull(record);
        Assert.Equal("abc123", record.Manifest.Source.ContainerId);
        Assert.False(record.Manifest.Options.LeaveRunning);
        Assert.True(record.Manifest.Options.FileLocks);
    }

    [Fact]
    public async Task Checkpoint_Should_AskTheAgentToSkipTheWritableLayer_Only_When_SkipRootfsIsGiven()
    {
        await using var agent = await InProcessAgent.StartAsync();

        await CliRun.JsonAsync(agent, "checkpoint", "--pid", "4242", "--name", "bound-root", "--skip-rootfs");
        await CliRun.JsonAsync(agent, "checkpoint", "--pid", "4242", "--name", "overlay-root");
        var skipped = await CliRun.JsonAsync(agent, "inspect", "bound-root");
        var captured = await CliRun.JsonAsync(agent, "inspect", "overlay-root");
        var (_, text, _) = await CliRun.RunAsync(["inspect", "bound-root", "--socket", agent.SocketPath]);
        var (_, help, _) = await CliRun.RunAsync(["--help"]);

        Assert.True(skipped.GetProperty("summary").GetProperty("options").GetProperty("skipRootFilesystem").GetBoolean());
        Assert.False(captured.GetProperty("summary").GetProperty("options").GetProperty("skipRootFilesystem").GetBoolean());
        Assert.Contains("writable layer skipped by request", text, StringComparison.Ordinal);
        Assert.Contains("--skip-rootfs", help, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Checkpoint_Should_AskTheAgentToCompressAndInspectShouldSaySo_When_CompressionZstdIsGiven()
    {
        await using var agent = await InProcessAgent.StartAsync();

        await CliRun.JsonAsync(agent, "checkpoint", "--pid", "4242", "--name", "packed", "--compression", "zstd");
        await CliRun.JsonAsync(agent, "checkpoint", "--pid", "4242", "--name", "plain");
        var packed = await CliRun.JsonAsync(agent, "inspect", "packed");
        var plain = await CliRun.JsonAsync(agent, "inspect", "plain");
        var (_, text, _) = await CliRun.RunAsync(["inspect", "packed", "--socket", agent.SocketPath]);
        var (_, help, _) = await CliRun.RunAsync(["--help"]);

        Assert.Equal("zstd", packed.GetProperty("summary").GetProperty("options").GetProperty("compression").GetString());
        Assert.Equal("", plain.GetProperty("summary").GetProperty("options").GetProperty("compression").GetString());
        Assert.Contains("page images compressed with zstd", text, StringComparison.Ordinal);
        Assert.Contains("--compression", help, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_Should_ShowTheFlatCopysBytes_When_TheIncrementIsTheNewestOfItsChain()
    {
        await using var agent = await InProcessAgent.StartAsync();
        await CliRun.JsonAsync(agent, "checkpoint", "--pid", "4242", "--name", "base");
        await CliRun.JsonAsync(agent, "checkpoint", "--pid", "4242", "--name", "child", "--parent", "base");

        var child = await CliRun.JsonAsync(agent, "inspect", "child");
        var full = await CliRun.JsonAsync(agent, "inspect", "base");
        var (_, text, _) = await CliRun.RunAsync(["inspect", "child", "--socket", agent.SocketPath]);
        await CliRun.JsonAsync(agent, "checkpoint", "--pid", "4242", "--name", "grandchild", "--parent", "child");
        var superseded = await CliRun.JsonAsync(agent, "inspect", "child");

        Assert.Equal("4096", child.GetProperty("summary").GetProperty("flatCopyBytes").GetString());
        Assert.Equal("0", full.GetProperty("summary").GetProperty("flatCopyBytes").GetString());
        Assert.Contains("Flat copy:", text, StringComparison.Ordinal);
        Assert.Equal("0", superseded.GetProperty("summary").GetProperty("flatCopyBytes").GetString());
    }

    [Fact]
    public async Task Restore_Should_TargetTheContainer_When_IntoPidIsGiven()
    {
        await using var agent = await InProcessAgent.StartAsync();
        await CliRun.JsonAsync(agent, "checkpoint", "--pid", "4242", "--name", "web-1");

        await CliRun.JsonAsync(agent, "restore", "web-1", "--into-pid", "777");

        Assert.Equal(777, agent.Restores.Last!.TargetContainer!.Pid);
    }

    [Fact]
    public async Task Restore_Should_SayWhereTheTimeWentStepByStep_When_TheAgentReportsItsSteps()
    {
        await using var agent = await InProcessAgent.StartAsync();
        await CliRun.JsonAsync(agent, "checkpoint", "--pid", "4242", "--name", "web-1");

        var json = await CliRun.JsonAsync(agent, "restore", "web-1");
        var (_, text, _) = await CliRun.RunAsync(["restore", "web-1", "--socket", agent.SocketPath]);

        var timings = json.GetProperty("timings");
        Assert.Equal(["3", "7", "1", "2", "6", "4"],
            new[] { "targetMs", "filesMs", "filesWaitMs", "prepareMs", "verifyWaitMs", "handoffMs" }.Select(f => timings.GetProperty(f).GetString()));
        Assert.Contains("steps: target 3 ms, prepare 2 ms, CRIU 40 ms (held 1 ms for the files, 6 ms at post-restore for the verification), handoff 4 ms; " +
            "beside CRIU: files 7 ms, verify 5 ms", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restore_Should_AskForALazyRestoreAndSayHowMemoryCame_When_LazyIsGiven()
    {
        await using var agent = await InProcessAgent.StartAsync();
        await CliRun.JsonAsync(agent, "checkpoint", "--pid", "4242", "--name", "web-1");

        var lazy = await CliRun.JsonAsync(agent, "restore", "web-1", "--lazy");
        var (_, lazyText, _) = await CliRun.RunAsync(["restore", "web-1", "--lazy", "--socket", agent.SocketPath]);
        agent.Restores.LazyFallbackReason = "restored eagerly, not lazily: kernel lacks userfaultfd";
        var (_, eagerText, _) = await CliRun.RunAsync(["restore", "web-1", "--lazy", "--socket", agent.SocketPath]);
        var (_, help, _) = await CliRun.RunAsync(["--help"]);

        Assert.True(agent.Restores.Last!.Lazy);
        Assert.True(lazy.GetProperty("lazy").GetBoolean());
        Assert.Contains("served lazily", lazyText, StringComparison.Ordinal);
        Assert.Contains("memory: restored eagerly, not lazily: kernel lacks userfaultfd", eagerText, StringComparison.Ordinal);
        Assert.Contains("--lazy", help, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_Should_UseTheSocketFromTheEnvironment_When_NoSocketOptionIsGiven()
    {
        await using var agent = await InProcessAgent.StartAsync();

        var (code, output, _) = await CliRun.RunAsync(["node"], new Dictionary<string, string> { ["CRYO_SOCKET"] = agent.SocketPath });

        Assert.Equal(0, code);
        Assert.Contains("Node:          test-node", output, StringComparison.Ordinal);
        Assert.Contains("CRIU:          4.2.1", output, StringComparison.Ordinal);
    }
}
