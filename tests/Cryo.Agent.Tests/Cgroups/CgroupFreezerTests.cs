using System.Diagnostics;
using System.Globalization;
using Cryo.Agent.Cgroups;

namespace Cryo.Agent.Tests.Cgroups;

/// <summary>The engine's own freezing, on a real v1 freezer cgroup and on one whose tasks never stop.</summary>
public sealed class CgroupFreezerTests : IDisposable
{
    private readonly TempDirectory scratch = new("cryo-freezer-");

    public void Dispose() => scratch.Dispose();

    [Fact]
    public async Task FreezeAsync_Should_ReturnOnceEveryTaskStopped_When_TheCgroupHoldsARunningProcess()
    {
        var directory = Path.Combine("/sys/fs/cgroup/freezer", $"cryo-test-{Guid.NewGuid():N}"[..24]);
        Directory.CreateDirectory(directory);
        using var busy = Process.Start(new ProcessStartInfo("sh", ["-c", "while :; do :; done"]))!;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "cgroup.procs"), busy.Id.ToString(CultureInfo.InvariantCulture));
            var freezer = CgroupFreezer.At(directory, unified: false);

            Assert.True(await freezer.FreezeAsync(TimeSpan.FromSeconds(10), CancellationToken.None));

            Assert.True(freezer.IsFullyFrozen());
            Assert.Equal("FROZEN", File.ReadAllText(Path.Combine(directory, "freezer.state")).Trim());
            var ticks = CpuTicks(busy.Id);
            await Task.Delay(100);
            Assert.Equal(ticks, CpuTicks(busy.Id));
            Assert.Equal([busy.Id], freezer.Tasks());
            freezer.Thaw();
            Assert.False(freezer.IsFrozen());
        }
        finally
        {
            busy.Kill();
            CgroupFreezer.At(directory, unified: false).Thaw();
            await busy.WaitForExitAsync();
            Directory.Delete(directory);
        }
    }

    [Fact]
    public async Task FreezeAsync_Should_GiveUpAfterTheTimeout_When_TheTasksNeverStop()
    {
        // Writes vanish and reads say nothing: a cgroup that stays FREEZING for good.
        File.CreateSymbolicLink(scratch.Combine("freezer.state"), "/dev/null");
        var freezer = CgroupFreezer.At(scratch.Path, unified: false);
        var started = Stopwatch.GetTimestamp();

        var frozen = await freezer.FreezeAsync(TimeSpan.FromMilliseconds(250), CancellationToken.None);

        Assert.False(frozen);
        Assert.InRange(Stopwatch.GetElapsedTime(started), TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));
    }

    private static long CpuTicks(int pid)
    {
        var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // utime and stime: fields 14 and 15 of stat, 12 and 13 after the command.
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }
}
