using System.Formats.Tar;
using Cryo.Agent.Operations;
using Cryo.Agent.Store;
using Cryo.Agent.Store.Manifest;
using Cryo.Criu;
using Cryo.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Cryo.Cli.Tests;

/// <summary><c>cryo export</c> and <c>cryo import</c> move kubelet checkpoint archives through a real agent's store, as files and as standard streams.</summary>
public sealed class CliArchiveTests : IDisposable
{
    private static readonly byte[] Pages = [.. Enumerable.Range(0, 3 * 4096).Select(i => (byte)(i * 7))];
    private readonly TempDirectory scratch = new("cryo-cli-archive-");

    public void Dispose() => scratch.Dispose();

    [Fact]
    public async Task ExportAndImport_Should_CarryTheCheckpointsFiles_When_GivenFilesOrStandardStreams()
    {
        await using var agent = await StartAgentWithStoreAsync();
        var archive = await WriteArchiveAsync(scratch.Combine("warm.tar"));

        var imported = await CliRun.JsonAsync(agent, "import", archive, "--name", "copy", "--uid", "5b7c0d2e-1f3a-4c5d-9e8f-0a1b2c3d4e5f");
        var (code, _, error) = await CliRun.RunAsync(["export", "copy", "-f", scratch.Combine("copy.tar"), "--socket", agent.SocketPath]);
        using var stdout = new MemoryStream();
        var (toStdout, _, _) = await CliRun.RunAsync(["export", "copy", "--socket", agent.SocketPath], streams: new CliStreams(() => stdout, () => Stream.Null, false));
        await using var stdin = File.OpenRead(scratch.Combine("copy.tar"));
        var (fromStdin, fromStdinOut, _) = await CliRun.RunAsync(["import", "-", "--name", "again", "--socket", agent.SocketPath],
            streams: new CliStreams(() => Stream.Null, () => stdin, false));

        Assert.Equal("cryo-export", imported.GetProperty("importedFrom").GetString());
        Assert.Equal("copy", imported.GetProperty("summary").GetProperty("checkpoint").GetProperty("name").GetString());
        Assert.Equal(0, code);
        Assert.Contains("exported default/copy to", error, StringComparison.Ordinal);
        Assert.False(File.Exists(scratch.Combine("copy.tar.partial")));
        Assert.Equal(Pages, TarEntries.Read(scratch.Combine("copy.tar"))["checkpoint/pages-1.img"]);
        Assert.Equal(0, toStdout);
        Assert.Equal(Pages, TarEntries.Read(stdout.ToArray())["checkpoint/pages-1.img"]);
        Assert.Equal(0, fromStdin);
        Assert.Contains("imported default/again", fromStdinOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_Should_RefuseWithAUsageError_When_StandardOutputIsATerminalAndNoFileIsGiven()
    {
        await using var agent = await StartAgentWithStoreAsync();

        var (code, _, error) = await CliRun.RunAsync(["export", "copy", "--socket", agent.SocketPath], streams: new CliStreams(() => Stream.Null, () => Stream.Null, OutputIsTerminal: true));

        Assert.Equal(2, code);
        Assert.Contains("-f FILE.tar", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_Should_LeaveNoFile_When_TheCheckpointDoesNotExist()
    {
        await using var agent = await StartAgentWithStoreAsync();

        var (code, _, error) = await CliRun.RunAsync(["export", "absent", "-f", scratch.Combine("absent.tar"), "--socket", agent.SocketPath]);

        Assert.Equal(1, code);
        Assert.Contains("absent", error, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(scratch.Path, "absent.tar*"));
    }

    // The agent's real store and catalog (fake engines and CRIU: archives never run CRIU).
    private Task<InProcessAgent> StartAgentWithStoreAsync() =>
        InProcessAgent.StartAsync(s => s["Store:RootDirectory"] = scratch.Combine("store"), services =>
        {
            var unused = new FakeCatalog(scratch.Combine("fake-catalog"));
            services.AddSingleton<ICheckpointEngine>(new FakeCheckpointEngine(unused));
            services.AddSingleton<IRestoreEngine>(new FakeRestoreEngine(unused));
            services.AddSingleton<ICriu>(new FakeCriu(new CriuVersion(4, 2, 1)));
        }, CancellationToken.None);

    // What 'cryo export' writes, reduced to what an import needs: Cryo's manifest and the core CRIU images.
    private static async Task<string> WriteArchiveAsync(string path)
    {
        var manifest = new CheckpointManifest { Key = new CheckpointKey("default", "warm", "1c2d3e4f-0000-4000-8000-000000000001"), CreatedAt = DateTimeOffset.UtcNow, ProcessCount = 1 };
        manifest.Source.Processes.Add(new ManifestProcess { Pid = 1, CommandLine = ["/app/init.sh"] });
        await using var file = File.Create(path);
        await using var tar = new TarWriter(file, TarEntryFormat.Pax);
        foreach (var (name, data) in new[]
        {
            ("cryo-manifest.json", ManifestSerializer.Serialize(manifest)),
            ("checkpoint/inventory.img", new byte[] { 0x16, 0x31, 0x31, 0x58 }),
            ("checkpoint/pstree.img", new byte[] { 0x19, 0x43, 0x56, 0x54, 0x30, 0x30, 0x27, 0x50 }),
            ("checkpoint/pages-1.img", Pages),
        })
        {
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
        }

        return path;
    }
}
