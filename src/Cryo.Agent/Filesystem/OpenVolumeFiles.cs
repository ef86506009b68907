using System.Security.Cryptography;

namespace Cryo.Agent.Filesystem;

/// <summary>Lists the regular files a process tree holds open on its volumes (from /proc/PID/fd).</summary>
public static class OpenVolumeFiles
{
    /// <summary>Files up to this size get a SHA-256; larger ones are compared by size only.</summary>
    public const long HashLimitBytes = 1 << 20;

    private const string DeletedSuffix = " (deleted)";

    /// <summary>
    /// Every regular file that a process in <paramref name="pids"/> (host PIDs) has open under one of
    /// <paramref name="volumes"/>, once per path, with size and (up to 1 MiB) SHA-256. The path comes from
    /// the fd's link, which the kernel gives relative to the process's own root: the in-container path.
    /// Files already deleted are left out (CRIU carries those itself); processes that exit meanwhile are
    /// skipped. Run it while the tree is frozen so sizes match what CRIU records.
    /// </summary>
    public static async Task<IReadOnlyList<OpenVolumeFile>> ListAsync(
        IReadOnlyCollection<VolumeMount> volumes, IEnumerable<int> pids, CancellationToken cancellationToken)
    {
        var mountPoints = volumes.Select(v => "/" + v.ContainerPath.Trim('/')).Where(m => m != "/")
            .OrderByDescending(m => m.Length).ToList();
        var found = new SortedDictionary<string, OpenVolumeFile>(StringComparer.Ordinal);
        foreach (var pid in pids.Distinct())
        {
            foreach (var fdLink in FdLinks(pid))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var target = ReadLink(fdLink);
                if (target is null || !target.StartsWith('/') || target.EndsWith(DeletedSuffix, StringComparison.Ordinal) || found.ContainsKey(target))
                {
                    continue;
                }

                var volume = mountPoints.FirstOrDefault(m => target.StartsWith(m + "/", StringComparison.Ordinal));
                if (volume is null)
                {
                    continue;
                }

                var record = await DescribeAsync(fdLink, target, volume, cancellationToken);
                if (record is not null)
                {
                    found[target] = record;
                }
            }
        }

        return found.Values.ToList();
    }

    /// <summary>SHA-256 of a stream, lower-case hex.</summary>
    internal static async Task<string> HashAsync(Stream stream, CancellationToken cancellationToken) =>
        Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));

    private static async Task<OpenVolumeFile?> DescribeAsync(string fdLink, string containerPath, string volume, CancellationToken cancellationToken)
    {
        // stat, not lstat: following the magic link reaches the very file the process has open.
        var status = NativeMethods.TryStat(fdLink);
        if (status is not { IsRegularFile: true })
        {
            return null;
        }

        string? hash = null;
        if (status.Size <= HashLimitBytes)
        {
            try
            {
                await using var stream = new FileStream(fdLink, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, useAsync: true);
                hash = await HashAsync(stream, cancellationToken);
            }
            catch (FileNotFoundException)
            {
                return null; // closed meanwhile
            }
        }

        return new OpenVolumeFile(containerPath, volume, status.Size, hash);
    }

    private static string[] FdLinks(int pid)
    {
        try
        {
            return Directory.GetFiles($"/proc/{pid}/fd");
        }
        catch (Exception e) when (e is DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return []; // the process exited
        }
    }

    private static string? ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            return null; // the descriptor was closed meanwhile
        }
    }
}
