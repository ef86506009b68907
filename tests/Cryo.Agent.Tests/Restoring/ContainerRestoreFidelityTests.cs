using Cryo.Agent.Engine;
using Cryo.Agent.Filesystem;
using Cryo.Agent.Tests.Filesystem;
using Cryo.Agent.Tests.Harness;
using Cryo.Agent.Tests.Placeholder;
using Cryo.Agent.Tests.Support;
using Xunit;

namespace Cryo.Agent.Tests.Restoring;

/// <summary>
/// A restore into a fresh placeholder container carries the container's files (writable layer,
/// /dev/shm) and gives the placeholder the application's real lifecycle, through the engines alone.
/// </summary>
[Collection(PlaceholderCollection.Name)]
public sealed class ContainerRestoreFidelityTests(PlaceholderBuild build) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TestEngines engines = new();

    public void Dispose() => engines.Dispose();

    [Fact]
    public async Task Restore_Should_BringTheContainersFilesAndEndWithTheAppsStatus_When_RestoredIntoAnEmptyPlaceholder()
    {
        using var scratch = new ScratchDirectory();
        using var sourceShm = new TmpfsMount(scratch.Combine("source-shm"));
        using var targetShm = new TmpfsMount(scratch.Combine("target-shm"));
        // At runtime the app creates a file, changes one of the image's (a mode change copies it up),
        // deletes one of the image's, and writes into /dev/shm; then it reports what it sees, until
        // /data/exit appears, and exits 7.
        const string script =
            "echo made > /created.txt\nchmod 0700 /bin/busybox\nrm /bin/vi\necho segment > /dev/shm/seg\n" +
            "while [ ! -e /data/exit ]; do echo \"$(cat /created.txt) $(cat /dev/shm/seg) $([ -e /bin/vi ] && echo vi || echo novi) $(stat -c %a /bin/busybox)\"; sleep 0.05; done\nexit 7\n";
        await using var source = await ContainerWorkload.StartAsync(
            new ContainerSpec { OverlayRoot = true, Script = script, BindMounts = [new BindMount(sourceShm.Path, "/dev/shm")] }, CancellationToken.None);
        await source.WaitForOutputAsync(o => o.Contains("made segment novi 700", StringComparison.Ordinal), Patience, CancellationToken.None);
        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(source.InitPid, "fidelity", leaveRunning: false), new RecordingProgress<CheckpointStage>(), CancellationToken.None);
        var manifest = Assert.Single(engines.Store.List()).Manifest;
        Assert.NotNull(manifest.Filesystem.WritableLayerArchive);
        Assert.NotNull(manifest.Filesystem.ShmArchive);
        Assert.Contains(manifest.Files, f => f.Path == manifest.Filesystem.WritableLayerArchive);

        await using var target = await ContainerWorkload.StartPlaceholderAsync(
            ContainerSpec.Placeholder("target") with
            {
                OverlayRoot = true,
                Script = script,
                BindMounts = [new BindMount(targetShm.Path, "/dev/shm")],
                InitCommand = ["/cryo-placeholder"],
                HostFiles = new Dictionary<string, string> { ["/cryo-placeholder"] = build.PlaceholderPath },
            },
            CancellationToken.None);
        Directory.CreateDirectory(Path.Join(target.RootfsPath, engines.Options.PlaceholderHandoffDirectory));
        var lower = OverlayRoot.Find(target.InitPid).LowerDirs;
        Assert.DoesNotContain("made", target.Stdout, StringComparison.Ordinal);

        var outcome = await engines.Restores.RestoreAsync(TestEngines.RestoreOf("fidelity", target.InitPid), CancellationToken.None);

        // The restored app, now in the placeholder, sees its file, the change, not the deleted file, and its /dev/shm.
        var seen = target.Stdout.Length;
        await target.WaitForOutputAsync(o => o[seen..].Contains("made segment novi 700", StringComparison.Ordinal), Patience, CancellationToken.None);
        await target.WaitForErrorOutputAsync(e => e.Contains("adopted", StringComparison.Ordinal), Patience, CancellationToken.None);
        Assert.Equal(1, outcome.NamespacePid);
        // The image's layers are shared and must stay untouched.
        var image = Assert.Single(lower);
        Assert.NotNull(new FileInfo(Path.Join(image, "bin", "vi")).LinkTarget);
        Assert.NotEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Join(image, "bin", "busybox")));

        await File.WriteAllTextAsync(Path.Join(target.VolumePath, "exit"), "");
        await target.WaitForErrorOutputAsync(e => e.Contains("exited with status 7", StringComparison.Ordinal), Patience, CancellationToken.None);
    }

    [Fact]
    public async Task Restore_Should_RefuseBeforeTouchingTheTarget_When_TheWritableLayerArchiveIsCorrupted()
    {
        const string script = "echo made > /created.txt\n" + Counter.Script;
        await using var source = await ContainerWorkload.StartAsync(new ContainerSpec { OverlayRoot = true, Script = script }, CancellationToken.None);
        await source.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);
        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(source.InitPid, "layer", leaveRunning: false), new RecordingProgress<CheckpointStage>(), CancellationToken.None);
        var checkpoint = Assert.Single(engines.Store.List());
        var archive = Assert.IsType<string>(checkpoint.Manifest.Filesystem.WritableLayerArchive);
        await using (var stream = new FileStream(checkpoint.ResolveFile(archive), FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = 700; // inside the first entry's content, past its header
            var b = stream.ReadByte();
            stream.Position = 700;
            stream.WriteByte((byte)(b ^ 0x20));
        }
        await using var target = await ContainerWorkload.StartPlaceholderAsync(ContainerSpec.Placeholder("target") with { OverlayRoot = true, Script = script, InitCommand = ["/bin/sh", "-c", ContainerSpec.PlaceholderScript] }, CancellationToken.None);

        var error = await Assert.ThrowsAsync<Cryo.Agent.Store.CheckpointCorruptedException>(() =>
            engines.Restores.RestoreAsync(TestEngines.RestoreOf("layer", target.InitPid), CancellationToken.None));

        Assert.Equal(archive, error.RelativePath);
        Assert.False(File.Exists(Path.Join(target.RootfsPath, "created.txt")));
    }

    [Fact]
    public async Task Restore_Should_RefuseNamingTheFile_When_AnOpenVolumeFileChangedSize()
    {
        // The app holds /data/journal open and appends to it.
        const string script = "exec 5>>/data/journal\ni=0\nwhile :; do i=$((i+1)); echo $i >&5; echo $i; sleep 0.05; done\n";
        await using var source = await ContainerWorkload.StartAsync(new ContainerSpec { Script = script }, CancellationToken.None);
        await source.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);
        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(source.InitPid, "journal", leaveRunning: false), new RecordingProgress<CheckpointStage>(), CancellationToken.None);
        Assert.Contains(Assert.Single(engines.Store.List()).Manifest.Filesystem.VolumeFiles, f => f.ContainerPath == "/data/journal");
        await File.AppendAllTextAsync(Path.Join(source.VolumePath, "journal"), "written after the checkpoint\n");

        var error = await Assert.ThrowsAsync<VolumeMismatchException>(() => engines.Restores.RestoreAsync(TestEngines.RestoreOf("journal"), CancellationToken.None));

        Assert.Contains("/data/journal", error.Message, StringComparison.Ordinal);
        Assert.Single(engines.Store.List());
    }
}
