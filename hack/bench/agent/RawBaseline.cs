using System.Globalization;
using Cryo.Agent.Cgroups;
using Cryo.Agent.Containers;
using Cryo.Agent.Restoring;
using Cryo.Criu.Images;
using Cryo.Testing.Agent;

namespace Cryo.Bench.Agent;

/// <summary>
/// Bare <c>criu dump</c> and <c>criu restore</c> replaying the command lines the engine last ran (without the action
/// script the engine adds for its own gates): the baseline every agent figure is divided by.
/// </summary>
public static class RawBaseline
{
    /// <summary>Replays the engine's last dump into <c>raw-dump-RUN</c> under <paramref name="directory"/>; adds "raw", "raw_criu_cpu" and "raw_image_bytes".</summary>
    public static async Task DumpAsync(BenchEngines engines, string name, int run, string directory, string criuPath, Samples s, CancellationToken cancellationToken)
    {
        var criu = engines.Criu;
        var options = criu.LastDumpOptions! with { ImagesDirectory = Path.Combine(directory, $"raw-dump-{run}"), ActionScript = null };
        var argv = criu.LastLaunch!.BuildCommandLine(criuPath, options.ToArguments());
        Directory.CreateDirectory(options.ImagesDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (run == 0)
        {
            Emit.Note($"{name}: raw dump replays: {string.Join(' ', argv)}");
        }
        await RawCriu.RunMeasuredAsync(argv, options.LogPath, $"{name}-dump-{run}-raw.log", s, cancellationToken);
        s.Add("raw_image_bytes", new DirectoryInfo(options.ImagesDirectory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length));
        Directory.Delete(options.ImagesDirectory, recursive: true);
    }

    /// <summary>
    /// Replays the engine's last restore (same images, same plan) in <c>raw-restore-RUN</c> under <paramref name="directory"/>,
    /// checks the copy answers with <paramref name="checksum"/> and ends it; adds "raw" and "raw_criu_cpu", returns the seconds.
    /// </summary>
    public static async Task<double> RestoreAsync(BenchEngines engines, string name, int run, string directory, string checksum, string criuPath, Samples s,
        CancellationToken cancellationToken)
    {
        var agentOptions = engines.Criu.LastRestoreOptions!;
        var agentLaunch = engines.Criu.LastLaunch!;
        var work = Path.Combine(directory, $"raw-restore-{run}");
        Directory.CreateDirectory(work, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // As the agent made them: a copy of a tree dumped frozen gets its freezer cgroup from CRIU.
        var cgroups = RestoreCgroups.Create(engines.Options, $"raw-{run}", freezerLeftToCriu: agentOptions.ActionScript is null);
        var options = agentOptions with
        {
            PidFile = Path.Combine(work, "restore.pid"),
            LogFile = Path.Combine(work, CriuImageFiles.RestoreLog),
            WorkDirectory = work,
            // The verification gate (when the copy is not held frozen) is the agent's own addition: raw CRIU runs without it.
            ActionScript = null,
            CgroupRoots = [.. cgroups.Paths.Select(c => $"{c.Key}:{c.Value}")],
        };
        var launch = agentLaunch with
        {
            FdRedirects = agentLaunch.FdRedirects.ToDictionary(r => r.Key, r => Path.Combine(work, Path.GetFileName(r.Value))),
        };
        var argv = launch.BuildCommandLine(criuPath, options.ToArguments());
        if (run == 0)
        {
            Emit.Note($"raw restore replays: {string.Join(' ', argv)}");
            Emit.Note($"agent restore ran:   {string.Join(' ', agentLaunch.BuildCommandLine(criuPath, agentOptions.ToArguments()))}");
        }
        var pid = 0;
        try
        {
            var seconds = await RawCriu.RunMeasuredAsync(argv, options.LogPath, $"{name}-restore-{run}-raw.log", s, cancellationToken);
            pid = int.Parse(File.ReadAllText(options.PidFile).Trim(), CultureInfo.InvariantCulture);
            // The images record the tree frozen (the engine froze it for the dump): CRIU restores it
            // frozen, and whoever runs it thaws it, as the agent does (untimed: microseconds).
            CgroupFreezer.For(await new ProcFs().ReadCgroupsAsync(pid, cancellationToken))?.Thaw();
            var stdout = launch.FdRedirects.Count > 0 ? launch.FdRedirects.OrderBy(r => r.Key).First().Value
                : throw new InvalidOperationException("the restore plan redirected no stdout: cannot read the copy's checksum");
            await Memhog.VerifyCopyAsync(pid, stdout, checksum, "raw", cancellationToken);
            return seconds;
        }
        finally
        {
            if (pid > 0)
            {
                await ProcessReaper.KillTreeAsync(pid, CancellationToken.None);
            }
            await cgroups.KillAllAsync();
            cgroups.Remove();
            Directory.Delete(work, recursive: true);
        }
    }
}
