using System.Diagnostics;
using System.Globalization;

using Cryo.Testing.Agent.Harness;

namespace Cryo.Agent.Tests.Harness;

/// <summary>
/// Proves the harness's workloads have the shape CRIU can dump and restore (no leaked fds, setsid inside, a
/// proper root mount), with plain CRIU runs as in ../shared/criu.md, so engine tests can rely on it.
/// </summary>
public sealed class CriuCompatibilityTests
{
    private const string Criu = "/opt/cryo/criu/bin/criu";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Workload_Should_ContinueCounting_When_DumpedKilledAndRestoredWithPlainCriu(bool overlayRoot)
    {
        await using var workload = await ContainerWorkload.StartAsync(
            new ContainerSpec { OverlayRoot = overlayRoot, Script = "i=0\nwhile :; do i=$((i+1)); echo $i > /data/count.tmp; mv /data/count.tmp /data/count; sleep 0.05; done\n" },
            CancellationToken.None);
        var images = Path.Combine(workload.WorkDirectory, "images");
        Directory.CreateDirectory(images);
        await WaitForCountAsync(workload.VolumePath, c => c >= 3);

        await RunCriuAsync("dump", "-t", Num(workload.InitPid), "-D", images, "-o", "dump.log", "--network-lock", "nftables",
            "--external", "mnt[/data]:vol", "--manage-cgroups", "--freeze-cgroup", workload.CgroupDirectory("freezer"));
        Assert.False(ProcessReaper.IsAlive(workload.InitPid));
        var dumped = ReadCount(workload.VolumePath);
        var pidFile = Path.Combine(workload.WorkDirectory, "restored.pid");
        await RunCriuAsync("restore", "-D", images, "-o", "restore.log", "-d", "--pidfile", pidFile, "--root", workload.RootfsPath,
            "--external", $"mnt[vol]:{workload.VolumePath}", "--manage-cgroups");
        var restored = int.Parse((await File.ReadAllTextAsync(pidFile)).Trim(), CultureInfo.InvariantCulture);

        await WaitForCountAsync(workload.VolumePath, c => c > dumped + 2);
        var nspid = File.ReadAllLines($"/proc/{restored}/status").Single(l => l.StartsWith("NSpid:", StringComparison.Ordinal));
        Assert.EndsWith("\t1", nspid);
        Assert.Contains(restored, workload.HostPidsInCgroups());
    }

    [Fact]
    public async Task TtyWorkload_Should_BeDumpableAsShellJob_When_ItHasAControllingTerminal()
    {
        await using var workload = await ContainerWorkload.StartAsync(
            new ContainerSpec { Tty = true, Script = "i=0\nwhile :; do i=$((i+1)); echo tick $i; sleep 0.05; done\n" },
            CancellationToken.None);
        var images = Path.Combine(workload.WorkDirectory, "images");
        Directory.CreateDirectory(images);
        await workload.WaitForOutputAsync(o => o.Contains("tick 3", StringComparison.Ordinal), Timeout, CancellationToken.None);

        await RunCriuAsync("dump", "-t", Num(workload.InitPid), "-D", images, "-o", "dump.log", "--network-lock", "nftables",
            "--external", "mnt[/data]:vol", "--manage-cgroups", "--shell-job", "--leave-running");

        Assert.True(ProcessReaper.IsAlive(workload.InitPid));
        var before = workload.Stdout.Length;
        await workload.WaitForOutputAsync(o => o.Length > before + 20, Timeout, CancellationToken.None);
    }

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static int ReadCount(string volume)
    {
        var text = File.Exists(Path.Combine(volume, "count")) ? File.ReadAllText(Path.Combine(volume, "count")).Trim() : "";
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : -1;
    }

    private static async Task WaitForCountAsync(string volume, Func<int, bool> predicate)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!predicate(ReadCount(volume)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"counter stuck at {ReadCount(volume)}");
            await Task.Delay(50);
        }
    }

    private static async Task RunCriuAsync(params string[] args)
    {
        var info = new ProcessStartInfo(Criu) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        using var deadline = new CancellationTokenSource(Timeout);
        var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
        var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var log = args.SkipWhile(a => a != "-o").Skip(1).FirstOrDefault();
        var dir = args.SkipWhile(a => a != "-D").Skip(1).First();
        Assert.True(process.ExitCode == 0,
            $"criu {args[0]} exited {process.ExitCode}: {await stderr}{await stdout}\n"
            + string.Join('\n', File.ReadLines(Path.Combine(dir, log!)).Where(l => l.Contains("Error", StringComparison.Ordinal))));
    }
}
