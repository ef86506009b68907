using System.Diagnostics;

namespace Cryo.Testing.Agent.Harness;

/// <summary>
/// Tiny root filesystems built from busybox-static (<c>/usr/bin/busybox</c>, installed by
/// <c>hack/install-deps.sh</c>): <c>bin/</c> with busybox and a symlink per applet, device nodes in
/// <c>dev/</c>, and empty <c>proc/ sys/ tmp/ data/ app/ etc/</c>. One template is shared while workloads use it; each
/// workload gets its own copy (about 2 MB) or overlay, so restored copies never share a writable root.
/// </summary>
public static class Rootfs
{
    /// <summary>Where busybox-static is installed.</summary>
    public const string BusyboxPath = "/usr/bin/busybox";

    private const string TemplatePrefix = "cryo-rootfs-template-";

    private static readonly SemaphoreSlim TemplateLock = new(1, 1);
    private static string? _template;
    private static int _leases;

    /// <summary>Copies the template into <paramref name="destination"/>, which must not exist yet.</summary>
    public static async Task CreateAsync(string destination, CancellationToken cancellationToken)
    {
        using var lease = await AcquireTemplateAsync(cancellationToken);
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        await RunAsync(cancellationToken, "cp", "-a", lease.Path, destination);
    }

    /// <summary>
    /// The shared template root (never write into it), built on first use; it lives while any lease is held
    /// and the last lease released deletes it, so a test run leaves nothing behind.
    /// </summary>
    public static async Task<TemplateLease> AcquireTemplateAsync(CancellationToken cancellationToken)
    {
        await TemplateLock.WaitAsync(cancellationToken);
        try
        {
            if (_template is null)
            {
                if (!File.Exists(BusyboxPath))
                {
                    throw new WorkloadStartException($"{BusyboxPath} is missing: run hack/install-deps.sh (package busybox-static)");
                }

                RemoveStaleTemplates();
                var root = Path.Combine(Path.GetTempPath(), $"{TemplatePrefix}{Environment.ProcessId}-{Guid.NewGuid():N}"[..48]);
                try
                {
                    await BuildAsync(root, cancellationToken);
                }
                catch
                {
                    DeleteQuietly(root);
                    throw;
                }

                _template = root;
            }

            _leases++;
            return new TemplateLease(_template);
        }
        finally
        {
            TemplateLock.Release();
        }
    }

    internal static void Release()
    {
        TemplateLock.Wait();
        try
        {
            if (--_leases == 0 && _template is not null)
            {
                DeleteQuietly(_template);
                _template = null;
            }
        }
        finally
        {
            TemplateLock.Release();
        }
    }

    private static async Task BuildAsync(string root, CancellationToken cancellationToken)
    {
        foreach (var dir in new[] { "bin", "proc", "sys", "dev", "dev/pts", "dev/shm", "tmp", "data", "app", "etc", "root", "var" })
        {
            Directory.CreateDirectory(Path.Combine(root, dir));
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path.Combine(root, "tmp"), (UnixFileMode)Convert.ToInt32("1777", 8));
        }

        File.Copy(BusyboxPath, Path.Combine(root, "bin", "busybox"));
        var applets = (await RunAsync(cancellationToken, BusyboxPath, "--list")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var applet in applets.Where(a => a != "busybox" && !a.Contains('/', StringComparison.Ordinal)))
        {
            File.CreateSymbolicLink(Path.Combine(root, "bin", applet), "busybox");
        }

        Directory.CreateSymbolicLink(Path.Combine(root, "sbin"), "bin");
        Directory.CreateDirectory(Path.Combine(root, "usr"));
        Directory.CreateSymbolicLink(Path.Combine(root, "usr", "bin"), "../bin");
        Directory.CreateSymbolicLink(Path.Combine(root, "usr", "sbin"), "../bin");

        // Device nodes as files of the root filesystem, not a bind of the host's /dev: nothing to declare
        // external to CRIU, and nothing of the host's reachable from inside.
        foreach (var (name, major, minor) in new[] { ("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0) })
        {
            var node = Path.Combine(root, "dev", name);
            await RunAsync(cancellationToken, "mknod", "-m", "666", node, "c", major.ToString(System.Globalization.CultureInfo.InvariantCulture),
                minor.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        await File.WriteAllTextAsync(Path.Combine(root, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\n", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(root, "etc", "group"), "root:x:0:\n", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(root, "etc", "hosts"), "127.0.0.1 localhost\n", cancellationToken);
    }

    internal static async Task<string> RunAsync(CancellationToken cancellationToken, string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new WorkloadStartException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new WorkloadStartException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}");
        }

        return await stdout;
    }

    // A test host that is killed never runs its exit handler: remove templates whose process is gone.
    private static void RemoveStaleTemplates()
    {
        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), TemplatePrefix + "*"))
        {
            var owner = Path.GetFileName(dir)[TemplatePrefix.Length..].Split('-')[0];
            if (int.TryParse(owner, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid)
                && !Directory.Exists($"/proc/{pid}"))
            {
                DeleteQuietly(dir);
            }
        }
    }

    private static void DeleteQuietly(string root)
    {
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover template in /tmp is harmless, and the next run's sweep removes it.
            return;
        }
    }
}
