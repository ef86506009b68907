namespace Cryo.Agent.Tests.Containers;

public sealed class ProcParsingTests
{
    [Fact]
    public void MountInfoParse_Should_ReadEveryField_When_LineHasOptionalFieldsAndEscapes()
    {
        var line = @"71 70 254:0 /tmp/a\040b/vol /data rw,relatime shared:5 master:1 - ext4 /dev/vda rw,discard";

        var mount = MountInfo.Parse(line);

        Assert.Equal(71, mount.MountId);
        Assert.Equal(70, mount.ParentId);
        Assert.Equal("254:0", mount.Device);
        Assert.Equal("/tmp/a b/vol", mount.Root);
        Assert.Equal("/data", mount.MountPoint);
        Assert.Equal(["shared:5", "master:1"], mount.OptionalFields);
        Assert.Equal("ext4", mount.FilesystemType);
        Assert.Equal("/dev/vda", mount.Source);
        Assert.Equal("rw,discard", mount.SuperOptions);
        Assert.False(mount.IsReadOnly);
    }

    [Fact]
    public void MountInfoParse_Should_Throw_When_SeparatorMissing()
    {
        Assert.Throws<FormatException>(() => MountInfo.Parse("1 2 3:4 / / rw ext4 none rw"));
    }

    [Fact]
    public void CgroupParse_Should_ReadV1AndV2Lines_When_Given()
    {
        var entries = CgroupEntry.ParseAll("4:memory:/kubepods/besteffort/podx/abc\n2:cpu,cpuacct:/\n1:name=systemd:/x\n0::/kubepods.slice/y\n");

        Assert.Equal(4, entries.Count);
        Assert.Equal(["memory"], entries[0].Controllers);
        Assert.Equal("/kubepods/besteffort/podx/abc", entries[0].Path);
        Assert.Equal(["cpu", "cpuacct"], entries[1].Controllers);
        Assert.Equal(["name=systemd"], entries[2].Controllers);
        Assert.True(entries[3].IsUnified);
        Assert.Equal("/kubepods.slice/y", entries[3].Path);
    }

    [Fact]
    public void StatParse_Should_ReadTtyAndSession_When_CommandHasSpacesAndParentheses()
    {
        var stat = ProcStat.Parse("4242 (my (odd) cmd) S 4200 4242 4242 34816 4242 4194560 1 2 3 4 5 6 7 8 20 0 1 0 99887 100 2 3 4");

        Assert.Equal(4242, stat.Pid);
        Assert.Equal("my (odd) cmd", stat.Command);
        Assert.Equal('S', stat.State);
        Assert.Equal(4200, stat.ParentPid);
        Assert.Equal(4242, stat.Session);
        Assert.Equal(34816, stat.TtyNumber);
        Assert.Equal(136, stat.TtyMajor);
        Assert.Equal(0, stat.TtyMinor);
        Assert.True(stat.HasControllingTerminal);
        Assert.Equal(99887UL, stat.StartTime);
    }

    [Fact]
    public void StatusParse_Should_ReadNamespacePids_When_Nested()
    {
        var status = ProcStatus.Parse("Name:\tsleep\nState:\tS (sleeping)\nPid:\t5000\nPPid:\t4999\nNSpid:\t5000\t23\t1\n");

        Assert.Equal(5000, status.Pid);
        Assert.Equal(4999, status.ParentPid);
        Assert.Equal([5000, 23, 1], status.NamespacePids);
        Assert.Equal(1, status.InnermostPid);
        Assert.False(status.IsZombie);
    }

    [Theory]
    [InlineData("/kubepods/besteffort/pod0f9e8d7c-1111-2222-3333-444455556666/{0}")]
    [InlineData("/kubepods/burstable/podabc/crio-{0}")]
    [InlineData("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0f9e8d7c_1111.slice/cri-containerd-{0}.scope")]
    [InlineData("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podabc.slice/crio-{0}.scope")]
    [InlineData("/system.slice/docker-{0}.scope")]
    public void FromCgroupPath_Should_FindId_When_RuntimeNamedTheCgroup(string shape)
    {
        var id = new string('a', 32) + new string('7', 32);

        Assert.Equal(id, ContainerIds.FromCgroupPath(string.Format(System.Globalization.CultureInfo.InvariantCulture, shape, id)));
    }

    [Theory]
    [InlineData("/kubepods/besteffort/pod0f9e8d7c-1111-2222-3333-444455556666")]
    [InlineData("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podabc.slice/crio-conmon-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.scope")]
    [InlineData("/")]
    [InlineData("/user.slice/session-2.scope")]
    public void FromCgroupPath_Should_ReturnNull_When_NotAContainerCgroup(string path)
    {
        Assert.Null(ContainerIds.FromCgroupPath(path));
    }

    [Theory]
    [InlineData("containerd://ABCDEF0123456789", "abcdef0123456789")]
    [InlineData("cri-o://abcdef012345", "abcdef012345")]
    [InlineData(" abcdef012345 ", "abcdef012345")]
    public void Normalize_Should_StripSchemeAndLowerCase_When_IdIsValid(string input, string expected)
    {
        Assert.Equal(expected, ContainerIds.Normalize(input));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("../../etc/passwd")]
    [InlineData("abcdef01234g")]
    [InlineData("")]
    public void Normalize_Should_RejectWithReason_When_IdIsInvalid(string input)
    {
        var error = Assert.Throws<ContainerResolutionException>(() => ContainerIds.Normalize(input));

        Assert.Equal(ResolutionFailure.InvalidContainerId, error.Reason);
    }
}
