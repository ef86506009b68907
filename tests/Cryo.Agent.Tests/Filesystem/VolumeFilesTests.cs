using System.Diagnostics;
using Cryo.Agent.Filesystem;

namespace Cryo.Agent.Tests.Filesystem;

/// <summary>
/// Files a process holds open on a volume, seen from outside its mount namespace, and the check of a
/// target volume against them.
/// </summary>
public sealed class VolumeFilesTests : IDisposable
{
    private readonly TempDirectory _scratch = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));
    private Process? _holder;

    private CancellationToken Token => _timeout.Token;

    public void Dispose()
    {
        if (_holder is not null)
        {
            _holder.Kill();
            _holder.WaitForExit();
            _holder.Dispose();
        }

        _scratch.Dispose();
        _timeout.Dispose();
    }

    [Fact]
    public async Task List_Should_RecordOpenFilesByContainerPath_When_HeldOpenOnAVolume()
    {
        var (volume, mountPoint) = await StartHolderAsync();

        var files = await OpenVolumeFiles.ListAsync([volume], [_holder!.Id], Token);

        var file = Assert.Single(files);
        Assert.Equal(mountPoint + "/app.db", file.ContainerPath);
        Assert.Equal(mountPoint, file.VolumePath);
        Assert.Equal("app.db", file.RelativePath);
        Assert.Equal(10, file.Size);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("0123456789"u8)), file.Sha256);
    }

    [Fact]
    public async Task Verify_Should_Pass_When_TargetVolumeHoldsTheSameFiles()
    {
        var (volume, _) = await StartHolderAsync();
        var files = await OpenVolumeFiles.ListAsync([volume], [_holder!.Id], Token);
        var copy = TargetVolume(volume.ContainerPath, "0123456789");

        var error = Record.Exception(() => VolumeCheck.Verify(files, [copy]));

        Assert.Null(error);
    }

    [Fact]
    public async Task Verify_Should_NameTheFile_When_TargetCopyHasAnotherSize()
    {
        var (volume, mountPoint) = await StartHolderAsync();
        var files = await OpenVolumeFiles.ListAsync([volume], [_holder!.Id], Token);
        var other = TargetVolume(volume.ContainerPath, "0123456789AB");

        var error = Assert.Throws<VolumeMismatchException>(() => VolumeCheck.Verify(files, [other]));

        var mismatch = Assert.Single(error.Mismatches);
        Assert.Equal(mountPoint + "/app.db", mismatch.ContainerPath);
        Assert.Contains("size 12 bytes on the target's volume, 10 at checkpoint", mismatch.Difference, StringComparison.Ordinal);
        Assert.Contains(mountPoint + "/app.db", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_Should_NameTheFile_When_TargetCopyDiffersOnlyInContent()
    {
        var (volume, _) = await StartHolderAsync();
        var files = await OpenVolumeFiles.ListAsync([volume], [_holder!.Id], Token);
        var other = TargetVolume(volume.ContainerPath, "9876543210");

        var error = Assert.Throws<VolumeMismatchException>(() => VolumeCheck.Verify(files, [other]));

        Assert.Contains("different content", Assert.Single(error.Mismatches).Difference, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_Should_NameTheFile_When_MissingOnTarget()
    {
        var (volume, _) = await StartHolderAsync();
        var files = await OpenVolumeFiles.ListAsync([volume], [_holder!.Id], Token);
        var empty = new VolumeMount(volume.ContainerPath, Directory.CreateDirectory(_scratch.Combine("empty-volume")).FullName);

        var error = Assert.Throws<VolumeMismatchException>(() => VolumeCheck.Verify(files, [empty]));

        Assert.Contains("missing", Assert.Single(error.Mismatches).Difference, StringComparison.Ordinal);
    }

    /// <summary>
    /// A process in its own mount namespace with a host directory bind-mounted at a "container" path,
    /// holding app.db open on it (and a file outside the volume, which must not be listed).
    /// </summary>
    private async Task<(VolumeMount Volume, string MountPoint)> StartHolderAsync()
    {
        var hostSource = Directory.CreateDirectory(_scratch.Combine("volume")).FullName;
        await File.WriteAllTextAsync(Path.Join(hostSource, "app.db"), "0123456789", Token);
        var outside = _scratch.Combine("outside.txt");
        await File.WriteAllTextAsync(outside, "not on a volume", Token);
        var mountPoint = Directory.CreateDirectory(_scratch.Combine("container-data")).FullName;
        var start = new ProcessStartInfo("unshare") { RedirectStandardError = true };
        foreach (var argument in new[]
        {
            "-m", "--propagation", "private", "sh", "-c",
            $"mount --bind {hostSource} {mountPoint} && exec 3<{mountPoint}/app.db 4<{outside} && exec sleep 600",
        })
        {
            start.ArgumentList.Add(argument);
        }

        _holder = Process.Start(start)!;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!File.Exists($"/proc/{_holder.Id}/fd/4") || !IsSleeping(_holder.Id))
        {
            Assert.True(DateTime.UtcNow < deadline, "the holder did not open its files within 30 s");
            await Task.Delay(20, Token);
        }

        return (new VolumeMount(mountPoint, hostSource), mountPoint);
    }

    private static bool IsSleeping(int pid) =>
        File.ReadAllText($"/proc/{pid}/comm").Trim() == "sleep";

    private VolumeMount TargetVolume(string containerPath, string content)
    {
        var hostSource = Directory.CreateDirectory(_scratch.Combine($"target-volume-{Guid.NewGuid():N}")).FullName;
        File.WriteAllText(Path.Join(hostSource, "app.db"), content);
        return new VolumeMount(containerPath, hostSource);
    }
}
