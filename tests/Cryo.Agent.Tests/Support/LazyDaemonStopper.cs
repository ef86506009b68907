using System.Diagnostics;
using System.Globalization;

namespace Cryo.Agent.Tests.Support;

/// <summary>
/// Holds a lazy restore's transfer mid-way whatever the machine's speed: a CPU quota on the parent cgroup
/// of an engine's <c>criu lazy-pages</c> daemons (which join cgroups below it) makes them copy slowly, so a test
/// can act while most pages are still to come. (Stopping the daemon instead stalls CRIU's restore itself: it
/// waits for the daemon's answer.)
/// </summary>
public sealed class LazyDaemonStopper : IDisposable
{
    private readonly string quotaFile;

    private LazyDaemonStopper(string quotaFile) => this.quotaFile = quotaFile;

    /// <summary>Limits the daemons under <paramref name="lazyPagesCgroupParent"/> to <paramref name="percent"/> % of one CPU.</summary>
    public static LazyDaemonStopper Throttle(string lazyPagesCgroupParent, int percent)
    {
        var directory = Path.Combine("/sys/fs/cgroup/cpu", lazyPagesCgroupParent);
        Directory.CreateDirectory(directory);
        var stopper = new LazyDaemonStopper(Path.Combine(directory, "cpu.cfs_quota_us"));
        File.WriteAllText(stopper.quotaFile, (percent * 1000).ToString(CultureInfo.InvariantCulture));
        return stopper;
    }

    /// <summary>Lets the daemons run at full speed again.</summary>
    public void Lift() => File.WriteAllText(quotaFile, "-1");

    public void Dispose() => Lift();

    /// <summary>Sends SIG<paramref name="signal"/> to <paramref name="pid"/>.</summary>
    public static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }
}
