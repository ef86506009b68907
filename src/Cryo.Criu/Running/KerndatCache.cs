using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Cryo.Criu.Running;

/// <summary>
/// Keeps CRIU's kernel-facts cache (<c>/run/criu.kdat</c>) where CRIU cannot keep it itself. Every CRIU run first probes
/// the kernel (its "kerndat": a veth pair, vDSO and FPU layouts, pagemap, userfaultfd…), unless it finds that cache; and
/// CRIU writes the cache only when <c>/run</c> is a tmpfs, so that a reboot (a new kernel) drops it. In an agent's
/// container, and on a host without systemd, <c>/run</c> is a plain directory: every dump and every restore probed the
/// kernel again, 35-170 ms of a 150-300 ms restore of a 60 MB tree on a 2-core node (CRIU's own log: "File
/// /run/criu.kdat does not exist", then "Reading image tree" that much later). So the cache is made once, by
/// <c>criu check</c> in a private mount namespace whose <c>/run</c> is a tmpfs, copied to <c>/run/criu.kdat</c>, and
/// tied to this boot and this CRIU by a stamp beside it: a cache of another boot or another CRIU is made again, as CRIU's
/// own tmpfs would have forgotten it.
/// </summary>
internal sealed class KerndatCache
{
    /// <summary>Where CRIU 4.x reads and writes the cache (fixed at its build: KDAT_RUNDIR).</summary>
    public const string CacheFile = "/run/criu.kdat";

    private const string StampFile = CacheFile + ".cryo";
    private const string BootIdFile = "/proc/sys/kernel/random/boot_id";
    private const long TmpfsMagic = 0x01021994;

    private readonly string _criuPath;
    private readonly ILogger _logger;
    private readonly Lazy<Task> _ensured;

    public KerndatCache(string criuPath, ILogger logger)
    {
        _criuPath = criuPath;
        _logger = logger;
        _ensured = new Lazy<Task>(() => Task.Run(EnsureAsync));
    }

    /// <summary>Makes the cache, once per instance; never fails an operation: without it CRIU only probes the kernel itself.</summary>
    public Task EnsureOnceAsync() => _ensured.Value;

    private async Task EnsureAsync()
    {
        try
        {
            if (IsTmpfs("/run"))
            {
                return; // CRIU keeps it there itself, for as long as this boot lasts.
            }
            var stamp = Stamp();
            if (File.Exists(CacheFile) && File.Exists(StampFile) && await File.ReadAllTextAsync(StampFile) == stamp)
            {
                return;
            }
            var made = Path.Combine(Path.GetTempPath(), $"cryo-kdat-{Environment.ProcessId}-{Guid.NewGuid():N}");
            try
            {
                // CRIU writes the cache only onto a tmpfs: give its check one as /run, in a mount namespace of its own, and copy
                // the result out (the namespace sees the same /tmp).
                var outcome = await ProcessRunner.RunAsync(
                    ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                     "mount -t tmpfs -o size=1m,mode=0755 cryo-kdat /run && \"$1\" check >/dev/null 2>&1; cp /run/criu.kdat \"$2\"",
                     "sh", _criuPath, made],
                    TimeSpan.FromSeconds(30), _logger, CancellationToken.None);
                if (outcome.ExitCode != 0 || !File.Exists(made))
                {
                    _logger.LogWarning("CRIU's kernel-facts cache could not be made (exit {Code}: {Error}); every CRIU run probes the kernel itself",
                        outcome.ExitCode, outcome.StandardError.Trim());
                    return;
                }
                // Atomically, for other CRIUs starting meanwhile: a copy beside the cache, then a rename.
                var next = CacheFile + ".cryo-next";
                File.Copy(made, next, overwrite: true);
                File.Move(next, CacheFile, overwrite: true);
                await File.WriteAllTextAsync(StampFile, stamp);
                _logger.LogInformation("Made CRIU's kernel-facts cache {Cache} for this boot: /run is not a tmpfs, where CRIU would keep it", CacheFile);
            }
            finally
            {
                File.Delete(made);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            _logger.LogWarning(e, "CRIU's kernel-facts cache could not be made; every CRIU run probes the kernel itself");
        }
    }

    /// <summary>This boot and this CRIU executable: a cache made under another of either is made again.</summary>
    private string Stamp()
    {
        // The executable itself, not a symlink to it (an install that replaces CRIU may keep the link).
        var criu = new FileInfo(_criuPath);
        criu = criu.LinkTarget is null ? criu : criu.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? criu;
        return string.Create(CultureInfo.InvariantCulture,
            $"{File.ReadAllText(BootIdFile).Trim()} {_criuPath} {criu.Length} {criu.LastWriteTimeUtc.Ticks}\n");
    }

    private static bool IsTmpfs(string path)
    {
        var buffer = new byte[120];
        return StatFs(path, buffer) == 0 && BitConverter.ToInt64(buffer, 0) == TmpfsMagic;
    }

    // struct statfs on x86-64 and arm64 Linux is 120 bytes and begins with the 64-bit f_type.
    [DllImport("libc", EntryPoint = "statfs", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int StatFs([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer);
}
