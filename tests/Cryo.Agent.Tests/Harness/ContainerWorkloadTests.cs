using System.Globalization;

using Cryo.Testing.Agent.Harness;

namespace Cryo.Agent.Tests.Harness;

public sealed class ContainerWorkloadTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Start_Should_RunInitAsPid1InNamespacesOfItsOwn_When_Started()
    {
        await using var workload = await ContainerWorkload.StartAsync(
            new ContainerSpec { Hostname = "harness-ns", Script = "echo \"pid=$$ host=$(hostname)\"\nexec sleep 100000\n" },
            CancellationToken.None);

        var output = await workload.WaitForOutputAsync(o => o.Contains('\n'), Timeout, CancellationToken.None);

        Assert.Contains("pid=1 host=harness-ns", output);
        var nspid = File.ReadAllLines($"/proc/{workload.InitPid}/status").Single(l => l.StartsWith("NSpid:", StringComparison.Ordinal));
        Assert.EndsWith("\t1", nspid);
        foreach (var kind in new[] { "pid", "mnt", "net", "uts", "ipc" })
        {
            Assert.NotEqual(ContainerWorkload.NamespaceInode(Environment.ProcessId, kind), ContainerWorkload.NamespaceInode(workload.InitPid, kind));
        }
    }

    [Fact]
    public async Task Start_Should_GiveInitOnlyStdioPipesAndItsCgroups_When_Started()
    {
        await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec(), CancellationToken.None);

        var fds = Directory.GetFileSystemEntries($"/proc/{workload.InitPid}/fd").Select(f => Path.GetFileName(f)!).Order().ToArray();

        Assert.Equal(new[] { "0", "1", "2" }, fds);
        Assert.StartsWith("pipe:[", workload.StdoutIdentity);
        Assert.StartsWith("pipe:[", workload.StderrIdentity);
        Assert.NotEqual(workload.StdoutIdentity, workload.StderrIdentity);
        Assert.Equal("/dev/null", new FileInfo($"/proc/{workload.InitPid}/fd/0").LinkTarget);
        foreach (var controller in ContainerSpec.DefaultControllers)
        {
            var procs = await File.ReadAllLinesAsync(Path.Combine(workload.CgroupDirectory(controller), "cgroup.procs"));
            Assert.Contains(workload.InitPid.ToString(CultureInfo.InvariantCulture), procs);
        }

        Assert.Equal([workload.InitPid], workload.HostPidsInCgroups());
    }

    [Fact]
    public async Task Start_Should_ExposeVolumeStdoutAndStderr_When_ScriptWritesThem()
    {
        await using var workload = await ContainerWorkload.StartAsync(
            new ContainerSpec
            {
                Script = "echo written > /data/note\necho to-stderr >&2\necho \"env=$GREETING\"\nexec sleep 100000\n",
                Environment = new Dictionary<string, string> { ["GREETING"] = "hello world" },
            },
            CancellationToken.None);

        await workload.WaitForOutputAsync(o => o.Contains("env=hello world", StringComparison.Ordinal), Timeout, CancellationToken.None);
        await workload.WaitForErrorOutputAsync(o => o.Contains("to-stderr", StringComparison.Ordinal), Timeout, CancellationToken.None);

        Assert.Equal("written\n", await File.ReadAllTextAsync(Path.Combine(workload.VolumePath, "note")));
        Assert.Equal("written\n", workload.ReadFileInRoot("data/note"));
        Assert.False(File.Exists(Path.Combine(workload.RootfsPath, "data", "note")));
    }

    [Fact]
    public async Task Dispose_Should_LeaveNoProcessCgroupOrDirectory_When_WorkloadHasChildren()
    {
        var workload = await ContainerWorkload.StartAsync(
            new ContainerSpec
            {
                Script = "sleep 100000 &\nsleep 100000 &\necho started\nwait\n",
                CgroupParent = "cryo-harness-dispose/level2",
            },
            CancellationToken.None);
        await workload.WaitForOutputAsync(o => o.Contains("started", StringComparison.Ordinal), Timeout, CancellationToken.None);
        var pids = workload.HostPidsInTree();
        var launcher = workload.LauncherPid;
        var cgroupDirs = ContainerSpec.DefaultControllers.Select(workload.CgroupDirectory).ToArray();

        await workload.DisposeAsync();

        Assert.Equal(3, pids.Count);
        Assert.All(pids.Append(launcher), pid => Assert.False(ProcessReaper.IsAlive(pid), $"process {pid} survived"));
        Assert.All(cgroupDirs, dir => Assert.False(Directory.Exists(dir), $"{dir} remains"));
        Assert.All(ContainerSpec.DefaultControllers, c => Assert.False(Directory.Exists($"/sys/fs/cgroup/{c}/cryo-harness-dispose")));
        Assert.False(Directory.Exists(workload.WorkDirectory));
        Assert.DoesNotContain(workload.WorkDirectory, await File.ReadAllTextAsync("/proc/self/mountinfo"));
    }

    [Fact]
    public async Task Start_Should_GiveInitAControllingTerminal_When_TtyRequested()
    {
        await using var workload = await ContainerWorkload.StartAsync(
            new ContainerSpec { Tty = true, Script = "[ -t 0 ] && [ -t 1 ] && echo on-a-terminal\nexec sleep 100000\n" },
            CancellationToken.None);

        var output = await workload.WaitForOutputAsync(o => o.Contains('\n'), Timeout, CancellationToken.None);

        Assert.Equal("on-a-terminal\n", output);
        var stat = await File.ReadAllTextAsync($"/proc/{workload.InitPid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        Assert.NotEqual("0", fields[4]); // tty_nr
        Assert.Equal(workload.InitPid.ToString(CultureInfo.InvariantCulture), fields[3]); // session leader
        Assert.StartsWith("/dev/pts/", workload.StdoutIdentity);
    }

    [Fact]
    public async Task StartPlaceholder_Should_KeepRunningAfterSigterm_When_Started()
    {
        await using var placeholder = await ContainerWorkload.StartPlaceholderAsync(null, CancellationToken.None);

        Assert.Equal(0, Cryo.Testing.Agent.Harness.NativeMethods.kill(placeholder.InitPid, 15));
        await Task.Delay(TimeSpan.FromMilliseconds(300));

        Assert.True(ProcessReaper.IsAlive(placeholder.InitPid));
        Assert.Equal("cryo-placeholder", placeholder.Hostname);
    }

    [Fact]
    public async Task KillCgroup_Should_EmptyAndRemoveCgroup_When_ProcessesLiveThere()
    {
        var dir = $"/sys/fs/cgroup/pids/cryo-harness-killtest-{Guid.NewGuid():N}"[..60];
        Directory.CreateDirectory(dir);
        using var sleeper = System.Diagnostics.Process.Start("sleep", "100000");
        await File.WriteAllTextAsync(Path.Combine(dir, "cgroup.procs"), sleeper.Id.ToString(CultureInfo.InvariantCulture));

        await ProcessReaper.KillCgroupAsync(dir, remove: true, CancellationToken.None);

        Assert.False(Directory.Exists(dir));
        await sleeper.WaitForExitAsync();
        Assert.True(sleeper.HasExited);
    }

    [Fact]
    public async Task Start_Should_CollectWritesInUpperLayer_When_OverlayRoot()
    {
        var workload = await ContainerWorkload.StartAsync(
            new ContainerSpec { OverlayRoot = true, Script = "echo layer > /tmp/written\necho done\nexec sleep 100000\n" },
            CancellationToken.None);
        try
        {
            await workload.WaitForOutputAsync(o => o.Contains("done", StringComparison.Ordinal), Timeout, CancellationToken.None);

            Assert.Equal("layer\n", await File.ReadAllTextAsync(Path.Combine(workload.UpperDirPath!, "tmp", "written")));
            Assert.Equal("layer\n", await File.ReadAllTextAsync(Path.Combine(workload.RootfsPath, "tmp", "written")));
            using var template = await Rootfs.AcquireTemplateAsync(CancellationToken.None);
            Assert.False(File.Exists(Path.Combine(template.Path, "tmp", "written")));
        }
        finally
        {
            await workload.DisposeAsync();
        }

        Assert.DoesNotContain(workload.RootfsPath, await File.ReadAllTextAsync("/proc/self/mountinfo"));
        Assert.False(Directory.Exists(workload.WorkDirectory));
    }

    [Fact]
    public async Task Dispose_Should_KillEverything_When_FreezerCgroupIsFrozen()
    {
        var workload = await ContainerWorkload.StartAsync(new ContainerSpec { Script = "sleep 100000 &\nwait\n" }, CancellationToken.None);
        var freezer = workload.CgroupDirectory("freezer");
        await File.WriteAllTextAsync(Path.Combine(freezer, "freezer.state"), "FROZEN");
        var pids = workload.HostPidsInCgroups();

        await workload.DisposeAsync();

        Assert.NotEmpty(pids);
        Assert.All(pids, pid => Assert.False(ProcessReaper.IsAlive(pid), $"process {pid} survived"));
        Assert.False(Directory.Exists(freezer));
    }
}
