using System.Globalization;
using Cryo.Testing.Agent.Harness;

namespace Cryo.Agent.Tests.Containers;

public sealed class ContainerResolverTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly ContainerResolver _resolver = new(new ProcFs());

    [Fact]
    public async Task ResolveByPid_Should_DescribeFullContainer_When_GivenItsInit()
    {
        // "up" only once the child runs sleep: a forked shell execs it a moment later, and until then its command
        // line is the shell's (under load, that moment can outlast the init's echo).
        await using var workload = await ContainerWorkload.StartAsync(
            new ContainerSpec { Script = "sleep 100000 &\nuntil read -r comm < /proc/$!/comm && [ \"$comm\" = sleep ]; do :; done\necho up\nwait\n" },
            CancellationToken.None);
        await workload.WaitForOutputAsync(o => o.Contains("up", StringComparison.Ordinal), Timeout, CancellationToken.None);

        var resolved = await _resolver.ResolveByPidAsync(workload.InitPid, CancellationToken.None);

        Assert.Equal(ContainerKind.FullContainer, resolved.Kind);
        Assert.Equal(workload.InitPid, resolved.InitPid);
        Assert.Equal(1, resolved.InNamespacePid);
        Assert.True(resolved.IsPidNamespaceInit);
        foreach (var kind in new[] { NamespaceKind.Pid, NamespaceKind.Mnt, NamespaceKind.Net, NamespaceKind.Uts, NamespaceKind.Ipc })
        {
            Assert.False(resolved.Namespaces[kind].SharedWithAgent, $"{kind} is shared");
            Assert.Equal(ContainerWorkload.NamespaceInode(workload.InitPid, NamespaceKinds.FileName(kind)), resolved.Namespaces[kind].Inode);
        }

        Assert.True(resolved.Namespaces[NamespaceKind.User].SharedWithAgent);
        Assert.False(resolved.SharesHostMountNamespace);
        Assert.False(resolved.SharesHostNetworkNamespace);
        Assert.Equal(workload.RootfsPath, resolved.RootPath);
        Assert.True(resolved.RootPathIsHostPath);
        Assert.False(resolved.HasControllingTerminal);
        Assert.Equal(workload.StdoutIdentity, resolved.StdioTargets[1]);
        Assert.Equal(workload.StderrIdentity, resolved.StdioTargets[2]);
        var data = Assert.Single(resolved.ExternalMounts);
        Assert.Equal("/data", data.MountPoint);
        Assert.Equal(workload.VolumePath, data.HostPath);
        Assert.Contains(resolved.Mounts, m => m.MountPoint == "/proc" && m.FilesystemType == "proc");
        Assert.Contains(resolved.Cgroups, c => c.Controllers.Contains("pids") && c.Path == workload.CgroupPaths["pids"]);
        Assert.Equal(2, resolved.Processes.Count);
        Assert.Equal(workload.InitPid, resolved.Processes[0].HostPid);
        var child = resolved.Processes[1];
        Assert.Equal(workload.InitPid, child.ParentHostPid);
        Assert.NotEqual(1, child.InNamespacePid);
        Assert.NotEqual(child.HostPid, child.InNamespacePid);
        Assert.Equal(["sleep", "100000"], child.CommandLine);
    }

    [Fact]
    public async Task ResolveByPid_Should_WalkUpToNamespaceInit_When_GivenAChild()
    {
        await using var workload = await ContainerWorkload.StartAsync(
            new ContainerSpec { Script = "sleep 100000 &\necho up\nwait\n" }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => o.Contains("up", StringComparison.Ordinal), Timeout, CancellationToken.None);
        var child = workload.HostPidsInTree().Single(p => p != workload.InitPid);

        var resolved = await _resolver.ResolveByPidAsync(child, CancellationToken.None);

        Assert.Equal(workload.InitPid, resolved.InitPid);
    }

    [Fact]
    public async Task ResolveByPid_Should_DeclareFileBindsAndCgroupMounts_When_ContainerHasThem()
    {
        var hosts = Path.Combine(Path.GetTempPath(), $"cryo-resolve-hosts-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(hosts, "127.0.0.1 localhost\n");
        try
        {
            await using var workload = await ContainerWorkload.StartAsync(
                new ContainerSpec
                {
                    BindMounts = [new BindMount(hosts, "/etc/hosts", ReadOnly: true), new BindMount("/sys/fs/cgroup/pids", "/sys/fs/cgroup/pids", ReadOnly: true)],
                },
                CancellationToken.None);

            var resolved = await _resolver.ResolveByPidAsync(workload.InitPid, CancellationToken.None);

            var external = resolved.ExternalMounts.ToDictionary(m => m.MountPoint);
            Assert.Equal(hosts, external["/etc/hosts"].HostPath);
            Assert.Equal(ExternalMountKind.FromHost, external["/etc/hosts"].Kind);
            Assert.True(external["/etc/hosts"].Mount.IsReadOnly);
            Assert.Equal(ExternalMountKind.CgroupHierarchy, external["/sys/fs/cgroup/pids"].Kind);
            Assert.Equal("/sys/fs/cgroup/pids", external["/sys/fs/cgroup/pids"].HostPath);
            Assert.Contains("/data", external.Keys);
            Assert.DoesNotContain("/proc", external.Keys);
        }
        finally
        {
            File.Delete(hosts);
        }
    }

    [Fact]
    public async Task ResolveByContainerId_Should_FindInit_When_CgroupfsDriverPath()
    {
        var id = NewContainerId();
        await using var workload = await ContainerWorkload.StartAsync(
            new ContainerSpec { CgroupParent = $"kubepods/besteffort/pod{Guid.NewGuid()}", CgroupName = id, Script = "sleep 100000 &\nwait\n" },
            CancellationToken.None);

        var byFull = await _resolver.ResolveByContainerIdAsync(id, CancellationToken.None);
        var byPrefix = await _resolver.ResolveByContainerIdAsync("containerd://" + id[..12], CancellationToken.None);

        Assert.Equal(workload.InitPid, byFull.InitPid);
        Assert.Equal(id, byFull.ContainerId);
        Assert.Equal(workload.InitPid, byPrefix.InitPid);
        Assert.Equal(id, byPrefix.ContainerId);
    }

    [Theory]
    [InlineData("cri-containerd-{0}.scope")]
    [InlineData("crio-{0}.scope")]
    [InlineData("crio-{0}")]
    public async Task ResolveByContainerId_Should_FindInit_When_RuntimeSpecificName(string nameShape)
    {
        var id = NewContainerId();
        var pod = Guid.NewGuid().ToString().Replace('-', '_');
        await using var workload = await ContainerWorkload.StartAsync(
            new ContainerSpec
            {
                CgroupParent = $"kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{pod}.slice",
                CgroupName = string.Format(CultureInfo.InvariantCulture, nameShape, id),
                CgroupControllers = ["pids", "memory", "freezer"],
            },
            CancellationToken.None);

        var resolved = await _resolver.ResolveByContainerIdAsync(id.ToUpperInvariant(), CancellationToken.None);

        Assert.Equal(workload.InitPid, resolved.InitPid);
        Assert.Equal(id, resolved.ContainerId);
        Assert.Equal(ContainerKind.FullContainer, resolved.Kind);
    }

    [Fact]
    public async Task ResolveByContainerId_Should_FindInit_When_OnlyTheCgroupV2LineNamesIt()
    {
        // This node is cgroup v1 with an empty cgroup2 hierarchy at /sys/fs/cgroup/unified: placing the workload
        // only there makes "0::/…/cri-containerd-ID.scope" the one line that carries the ID.
        var id = NewContainerId();
        await using var workload = await ContainerWorkload.StartAsync(
            new ContainerSpec
            {
                CgroupParent = $"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{Guid.NewGuid():N}.slice",
                CgroupName = $"cri-containerd-{id}.scope",
                CgroupControllers = ["unified"],
            },
            CancellationToken.None);

        var resolved = await _resolver.ResolveByContainerIdAsync(id, CancellationToken.None);

        Assert.Equal(workload.InitPid, resolved.InitPid);
        Assert.Contains(resolved.Cgroups, c => c.IsUnified && c.Path.EndsWith($"cri-containerd-{id}.scope", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ResolveByContainerId_Should_RefuseAmbiguousPrefix_When_TwoContainersShareIt()
    {
        var shared = NewContainerId()[..20];
        var first = shared + NewContainerId()[..44];
        var second = shared + NewContainerId()[..44];
        var parent = $"kubepods/besteffort/pod{Guid.NewGuid()}";
        await using var a = await ContainerWorkload.StartAsync(new ContainerSpec { CgroupParent = parent, CgroupName = first, CgroupControllers = ["pids"] }, CancellationToken.None);
        await using var b = await ContainerWorkload.StartAsync(new ContainerSpec { CgroupParent = parent, CgroupName = second, CgroupControllers = ["pids"] }, CancellationToken.None);

        var error = await Assert.ThrowsAsync<ContainerResolutionException>(() => _resolver.ResolveByContainerIdAsync(shared[..16], CancellationToken.None));
        var resolvedB = await _resolver.ResolveByContainerIdAsync(second[..24], CancellationToken.None);

        Assert.Equal(ResolutionFailure.AmbiguousContainerId, error.Reason);
        Assert.Contains(first, error.Message);
        Assert.Equal(b.InitPid, resolvedB.InitPid);
    }

    [Fact]
    public async Task ResolveByContainerId_Should_ThrowNotFound_When_NoProcessHasIt()
    {
        var error = await Assert.ThrowsAsync<ContainerNotFoundException>(() => _resolver.ResolveByContainerIdAsync(NewContainerId(), CancellationToken.None));

        Assert.Equal(ResolutionFailure.NotFound, error.Reason);
    }

    [Fact]
    public async Task ResolveByContainerId_Should_RejectId_When_ItHasInvalidCharacters()
    {
        var error = await Assert.ThrowsAsync<ContainerResolutionException>(() => _resolver.ResolveByContainerIdAsync("../../kubepods/x", CancellationToken.None));

        Assert.Equal(ResolutionFailure.InvalidContainerId, error.Reason);
    }

    [Fact]
    public async Task Resolve_Should_NameTheTreeAsTheRequestNamedIt_When_NoSuchContainerOrProcessExists()
    {
        var pidMax = int.Parse(await File.ReadAllTextAsync("/proc/sys/kernel/pid_max"), CultureInfo.InvariantCulture);
        var asGiven = "containerd://" + NewContainerId().ToUpperInvariant();

        var byContainer = await Assert.ThrowsAsync<ProcessTreeNotFoundException>(() => _resolver.ResolveAsync(ProcessTreeRef.ForContainer(asGiven), CancellationToken.None));
        var byPid = await Assert.ThrowsAsync<ProcessTreeNotFoundException>(() => _resolver.ResolveAsync(ProcessTreeRef.ForPid(pidMax + 1), CancellationToken.None));

        Assert.Equal(asGiven, byContainer.Tree.ContainerId);
        Assert.Contains("no process on this node is in a cgroup named after that ID", byContainer.Message, StringComparison.Ordinal);
        Assert.Equal(pidMax + 1, byPid.Tree.Pid);
    }

    [Fact]
    public async Task ResolveByPid_Should_ThrowNotFound_When_ProcessDoesNotExist()
    {
        var pidMax = int.Parse(await File.ReadAllTextAsync("/proc/sys/kernel/pid_max"), CultureInfo.InvariantCulture);

        var error = await Assert.ThrowsAsync<ContainerNotFoundException>(() => _resolver.ResolveByPidAsync(pidMax + 1, CancellationToken.None));

        Assert.Equal(ResolutionFailure.NotFound, error.Reason);
    }

    [Fact]
    public async Task ResolveByPid_Should_ReportPlainProcessInOwnPidNamespace_When_StartedWithUnshareP()
    {
        await using var plain = await PlainWorkload.StartAsync(new PlainSpec { Script = "exec sleep 100000" }, CancellationToken.None);
        // The workload is started once its shell runs; on a busy machine the shell may not have exec'd sleep yet.
        for (var waited = 0; !File.ReadAllText($"/proc/{plain.RootPid}/cmdline").StartsWith("sleep", StringComparison.Ordinal); waited++)
        {
            Assert.True(waited < 500, "the workload's shell did not exec sleep within 5 s");
            await Task.Delay(10);
        }

        var resolved = await _resolver.ResolveByPidAsync(plain.RootPid, CancellationToken.None);

        Assert.Equal(ContainerKind.PlainProcessInOwnPidNamespace, resolved.Kind);
        Assert.Equal(plain.RootPid, resolved.InitPid);
        Assert.True(resolved.IsPidNamespaceInit);
        Assert.True(resolved.SharesHostMountNamespace);
        Assert.True(resolved.SharesHostNetworkNamespace);
        Assert.False(resolved.Namespaces[NamespaceKind.Pid].SharedWithAgent);
        Assert.Empty(resolved.ExternalMounts);
        Assert.Equal("/", resolved.RootPath);
        Assert.False(resolved.HasControllingTerminal);
        Assert.Equal(["sleep", "100000"], Assert.Single(resolved.Processes).CommandLine);
    }

    [Fact]
    public async Task ResolveByPid_Should_ReportPlainProcess_When_NoNamespacesOfItsOwn()
    {
        await using var plain = await PlainWorkload.StartAsync(new PlainSpec { OwnPidNamespace = false }, CancellationToken.None);

        var resolved = await _resolver.ResolveByPidAsync(plain.RootPid, CancellationToken.None);

        Assert.Equal(ContainerKind.PlainProcess, resolved.Kind);
        Assert.False(resolved.IsPidNamespaceInit);
        Assert.Equal(plain.RootPid, resolved.InNamespacePid);
    }

    [Fact]
    public async Task ResolveByPid_Should_DetectControllingTerminal_When_PlainProcessRunsUnderPty()
    {
        await using var plain = await PlainWorkload.StartAsync(new PlainSpec { Tty = true }, CancellationToken.None);

        var resolved = await _resolver.ResolveByPidAsync(plain.RootPid, CancellationToken.None);

        Assert.True(resolved.HasControllingTerminal);
        Assert.Equal(136, new ProcStat(0, "", 'S', 0, 0, 0, resolved.Processes[0].TtyNumber, 0).TtyMajor);
    }

    [Fact]
    public async Task ResolveByPid_Should_DetectControllingTerminal_When_ContainerHasTty()
    {
        await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { Tty = true }, CancellationToken.None);

        var resolved = await _resolver.ResolveByPidAsync(workload.InitPid, CancellationToken.None);

        Assert.True(resolved.HasControllingTerminal);
        Assert.Equal(ContainerKind.FullContainer, resolved.Kind);
    }

    [Fact]
    public async Task ResolveByPid_Should_MapOverlayRootToItsHostMount_When_RootIsAnOverlay()
    {
        await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { OverlayRoot = true }, CancellationToken.None);

        var resolved = await _resolver.ResolveByPidAsync(workload.InitPid, CancellationToken.None);

        Assert.Equal(workload.RootfsPath, resolved.RootPath);
        Assert.True(resolved.RootPathIsHostPath);
        Assert.Equal("overlay", resolved.Mounts.Last(m => m.MountPoint == "/").FilesystemType);
        Assert.Equal("/data", Assert.Single(resolved.ExternalMounts).MountPoint);
    }

    [Fact]
    public async Task ResolveByPid_Should_NumberNestedProcessesInContainerNamespace_When_TreeHasNestedPidNamespace()
    {
        await using var workload = await ContainerWorkload.StartAsync(
            new ContainerSpec { Script = "unshare -p -f sleep 100000 &\necho up\nwait\n" }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => o.Contains("up", StringComparison.Ordinal), Timeout, CancellationToken.None);
        var nested = await WaitForProcessAsync(workload, "sleep");

        var container = await _resolver.ResolveByPidAsync(workload.InitPid, CancellationToken.None);
        var inner = await _resolver.ResolveByPidAsync(nested, CancellationToken.None);

        var sleep = container.Processes.Single(p => p.HostPid == nested);
        Assert.NotEqual(1, sleep.InNamespacePid);
        Assert.Equal(nested, inner.InitPid);
        Assert.Equal(1, inner.InNamespacePid);
        Assert.NotEqual(container.Namespaces[NamespaceKind.Pid].Inode, inner.Namespaces[NamespaceKind.Pid].Inode);
        Assert.Equal(container.Namespaces[NamespaceKind.Net].Inode, inner.Namespaces[NamespaceKind.Net].Inode);
    }

    [Fact]
    public async Task ResolveByContainerId_Should_PickNamespaceInit_When_AnExecJoinedTheCgroupFromOutside()
    {
        var id = NewContainerId();
        await using var workload = await ContainerWorkload.StartAsync(
            new ContainerSpec { CgroupParent = $"kubepods/besteffort/pod{Guid.NewGuid()}", CgroupName = id, CgroupControllers = ["pids"] },
            CancellationToken.None);
        using var exec = System.Diagnostics.Process.Start("sleep", "100000");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(workload.CgroupDirectory("pids"), "cgroup.procs"), exec.Id.ToString(CultureInfo.InvariantCulture));

            var resolved = await _resolver.ResolveByContainerIdAsync(id, CancellationToken.None);

            Assert.Equal(workload.InitPid, resolved.InitPid);
        }
        finally
        {
            await ProcessReaper.KillAsync([exec.Id], CancellationToken.None);
            await exec.WaitForExitAsync();
        }
    }

    private static async Task<int> WaitForProcessAsync(ContainerWorkload workload, string command)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            foreach (var pid in workload.HostPidsInTree())
            {
                var cmdline = await ReadCmdlineAsync(pid);
                if (cmdline.StartsWith(command, StringComparison.Ordinal))
                {
                    return pid;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"no '{command}' in the workload's tree");
            await Task.Delay(50);
        }
    }

    private static async Task<string> ReadCmdlineAsync(int pid)
    {
        try
        {
            return (await File.ReadAllTextAsync($"/proc/{pid}/cmdline")).Replace('\0', ' ');
        }
        catch (IOException)
        {
            // Exited meanwhile (e.g. unshare's short-lived helpers): not the one we look for.
            return "";
        }
    }

    private static string NewContainerId() => (Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N")).ToLowerInvariant();
}
