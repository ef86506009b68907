using Cryo.Agent.Filesystem;
using Cryo.Testing.Agent.Harness;

namespace Cryo.Agent.Tests.Filesystem;

/// <summary>
/// The file-system pieces on container-shaped workloads (the harness's: overlay root mounted on the host,
/// pivot_root inside, /data volume, /dev/shm bound from a host tmpfs as a pod's is): what a workload did to
/// its root, its /dev/shm and its volume is captured from outside and shows up inside a running placeholder.
/// </summary>
public sealed class ContainerFidelityTests
{
    [Fact]
    public async Task Placeholder_Should_SeeTheWorkloadsFilesShmAndDeletions_When_LayerAndShmAreApplied()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var token = timeout.Token;
        using var scratch = new TempDirectory();
        using var sourceShm = new TmpfsMount(scratch.Combine("source-shm"));
        using var targetShm = new TmpfsMount(scratch.Combine("target-shm"));
        await using var source = await ContainerWorkload.StartAsync(
            new ContainerSpec
            {
                OverlayRoot = true,
                BindMounts = [new BindMount(sourceShm.Path, "/dev/shm")],
                Script = "echo created > /tmp/new\n" +
                         "echo '10.0.0.1 changed' >> /etc/hosts\n" +
                         "rm /etc/group\n" +
                         "echo segment > /dev/shm/seg\n" +
                         "echo 0123456789 > /data/app.db\n" +
                         "exec 3</data/app.db\n" +
                         "touch /data/ready\n" +
                         "exec sleep 100000\n",
            },
            token);
        await WaitForFileAsync(Path.Join(source.VolumePath, "ready"), source, token);
        await using var target = await ContainerWorkload.StartPlaceholderAsync(
            ContainerSpec.Placeholder() with { OverlayRoot = true, BindMounts = [new BindMount(targetShm.Path, "/dev/shm")] }, token);
        var lower = OverlayRoot.Find(target.InitPid).LowerDirs[0];
        var lowerHosts = await File.ReadAllTextAsync(Path.Join(lower, "etc", "hosts"), token);
        var layer = scratch.Combine("layer.tar");
        var shm = scratch.Combine("shm.tar");

        var upper = OverlayRoot.Find(source.InitPid).UpperDir;
        await WritableLayer.CaptureAsync(upper, layer, token);
        await ShmSnapshot.CaptureAsync(sourceShm.Path, shm, token);
        var openFiles = await OpenVolumeFiles.ListAsync([new VolumeMount("/data", source.VolumePath)], source.HostPidsInTree(), token);
        var targetMounts = Cryo.Agent.Containers.MountInfo.ParseAll(await File.ReadAllTextAsync($"/proc/{target.InitPid}/mountinfo", token));
        var options = WritableLayerApplyOptions.ForTargetMounts(targetMounts);
        await WritableLayer.ApplyAsync(layer, target.RootfsPath, options, token);
        await ShmSnapshot.RestoreAsync(shm, targetShm.Path, token);

        Assert.Equal(source.UpperDirPath, upper);
        Assert.Equal("created\n", target.ReadFileInRoot("tmp/new"));
        Assert.EndsWith("10.0.0.1 changed\n", target.ReadFileInRoot("etc/hosts"), StringComparison.Ordinal);
        Assert.False(File.Exists($"/proc/{target.InitPid}/root/etc/group"));
        Assert.Equal("segment\n", target.ReadFileInRoot("dev/shm/seg"));
        Assert.Contains("/data", options.TargetMountPoints);
        Assert.Contains("/dev/shm", options.TargetMountPoints);
        Assert.True(File.Exists(Path.Join(lower, "etc", "group")));
        Assert.Equal(lowerHosts, await File.ReadAllTextAsync(Path.Join(lower, "etc", "hosts"), token));
        var open = Assert.Single(openFiles);
        Assert.Equal("/data/app.db", open.ContainerPath);
        var mismatch = Assert.Throws<VolumeMismatchException>(
            () => VolumeCheck.Verify(openFiles, [new VolumeMount("/data", target.VolumePath)]));
        Assert.Contains("/data/app.db: missing", mismatch.Message, StringComparison.Ordinal);
    }

    private static async Task WaitForFileAsync(string path, ContainerWorkload workload, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!File.Exists(path))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{path} did not appear within 30 s; workload stderr: {workload.Stderr}");
            await Task.Delay(20, cancellationToken);
        }
    }
}
