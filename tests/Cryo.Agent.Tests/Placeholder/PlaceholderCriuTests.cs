using Cryo.Criu.Running;
using System.Diagnostics;
using System.Globalization;
using Cryo.Agent.Filesystem;
using Cryo.Agent.Restoring;
using Cryo.Testing.Agent.Harness;

namespace Cryo.Agent.Tests.Placeholder;

/// <summary>
/// cryo-placeholder as the init of a container-shaped placeholder that receives a real CRIU restore, with
/// plain CRIU commands as ../shared/criu.md records them: dump inside the source's net/UTS/IPC namespaces,
/// restore inside the placeholder's PID/net/IPC/UTS namespaces with a fresh /proc, hand over --pidfile's PID.
/// </summary>
[Collection(PlaceholderCollection.Name)]
public sealed class PlaceholderCriuTests(PlaceholderBuild build)
{
    private const string Criu = "/opt/cryo/criu/bin/criu";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Placeholder_Should_EndWithTheRestoredAppsStatus_When_CriuRestoresIntoIt()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var token = timeout.Token;
        await using var source = await ContainerWorkload.StartAsync(
            new ContainerSpec
            {
                OverlayRoot = true,
                // The app counts until /data/exit appears, then exits 7. Its stdio is /dev/null, so nothing
                // ties it to the source's pipes (the agent passes those with --inherit-fd).
                Script = "exec </dev/null >/dev/null 2>&1\ni=0\nwhile [ ! -e /data/exit ]; do i=$((i+1)); echo $i > /data/count; sleep 0.05; done\nexit 7\n",
            },
            token);
        await using var target = await ContainerWorkload.StartPlaceholderAsync(
            ContainerSpec.Placeholder() with
            {
                OverlayRoot = true,
                // The same volume, as a shared PVC would be: the app may be dumped with /data/count open.
                VolumePath = source.VolumePath,
                InitCommand = ["/cryo-placeholder"],
                HostFiles = new Dictionary<string, string> { ["/cryo-placeholder"] = build.PlaceholderPath },
                Environment = new Dictionary<string, string> { [PlaceholderHandoff.HandoffFileVariable] = "/data/handoff/restored.pid" },
            },
            token);
        Directory.CreateDirectory(Path.Join(target.VolumePath, "handoff"));
        await target.WaitForErrorOutputAsync(e => e.Contains("waiting for a restore", StringComparison.Ordinal), Patience, token);
        await WaitForFileAsync(Path.Join(source.VolumePath, "count"), token);
        var images = Directory.CreateDirectory(Path.Join(source.WorkDirectory, "images")).FullName;
        var pidFile = Path.Join(source.WorkDirectory, "restored.pid");
        var upper = OverlayRoot.Find(source.InitPid).UpperDir;

        await RunAsync(Path.Join(images, "dump.log"), token, "nsenter", "-t", Num(source.InitPid), "--net", "--uts", "--ipc", "--",
            Criu, "dump", "-t", Num(source.InitPid), "-D", images, "-o", "dump.log", "--network-lock", "nftables",
            "--external", "mnt[/data]:vol", "--manage-cgroups", "--freeze-cgroup", source.CgroupDirectory("freezer"));
        // The app's shell has its script open: without the source's writable layer CRIU refuses the target's
        // own /app/init.sh ("File app/init.sh has bad size").
        var layer = Path.Join(source.WorkDirectory, "layer.tar");
        await WritableLayer.CaptureAsync(upper, layer, token);
        var targetMounts = Cryo.Agent.Containers.MountInfo.ParseAll(await File.ReadAllTextAsync($"/proc/{target.InitPid}/mountinfo", token));
        await WritableLayer.ApplyAsync(layer, target.RootfsPath, WritableLayerApplyOptions.ForTargetMounts(targetMounts), token);
        var cgroupRoots = target.CgroupPaths.SelectMany(c => new[] { "--cgroup-root", $"{c.Key}:{c.Value}" });
        var restore = string.Join(' ', new[]
        {
            Criu, "restore", "-D", images, "-o", "restore.log", "-d", "--pidfile", pidFile, "--root", target.RootfsPath,
            "--external", $"mnt[vol]:{target.VolumePath}", "--manage-cgroups",
        }.Concat(cgroupRoots).Select(ShellQuoting.Quote));
        await RunAsync(Path.Join(images, "restore.log"), token, "nsenter", "-t", Num(target.InitPid), "--pid", "--net", "--ipc", "--uts", "--",
            "unshare", "-m", "--propagation", "private", "sh", "-c", $"mount -t proc proc /proc && exec {restore}");
        var restored = int.Parse((await File.ReadAllTextAsync(pidFile, token)).Trim(), CultureInfo.InvariantCulture);
        await PlaceholderHandoff.WriteAsync(Path.Join(target.VolumePath, "handoff", "restored.pid"), restored, token);
        await target.WaitForErrorOutputAsync(e => e.Contains($"adopted restored process {restored}", StringComparison.Ordinal), Patience, token);
        var countAtHandoff = ReadCount(target.VolumePath);
        await WaitUntilAsync(() => ReadCount(target.VolumePath) > countAtHandoff + 2, "the restored app counting on", token);
        await File.WriteAllTextAsync(Path.Join(target.VolumePath, "exit"), string.Empty, token);
        var log = await target.WaitForErrorOutputAsync(e => e.Contains("exited with status", StringComparison.Ordinal), Patience, token);
        await WaitUntilAsync(() => !ProcessReaper.IsAlive(target.InitPid), "the placeholder ending", token);

        Assert.Contains($"restored process {restored} exited with status 7", log, StringComparison.Ordinal);
    }

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static int ReadCount(string volume) =>
        int.TryParse(File.Exists(Path.Join(volume, "count")) ? File.ReadAllText(Path.Join(volume, "count")).Trim() : "", CultureInfo.InvariantCulture, out var count)
            ? count
            : -1;

    private static Task WaitForFileAsync(string path, CancellationToken cancellationToken) =>
        WaitUntilAsync(() => File.Exists(path), path, cancellationToken);

    private static async Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what}: not within {Patience.TotalSeconds} s");
            await Task.Delay(20, cancellationToken);
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1068", Justification = "A params array must come last; the token comes just before it.")]
    private static async Task RunAsync(string criuLog, CancellationToken cancellationToken, string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var errorLines = File.Exists(criuLog) ? string.Join('\n', File.ReadLines(criuLog).Where(l => l.Contains("Error", StringComparison.Ordinal))) : "";
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {await output}{await errors}\n{errorLines}");
    }
}
