using System.Runtime.InteropServices;
using Cryo.Agent.Containers;
using Cryo.Agent.Filesystem;
using Cryo.Agent.Operations;
using Microsoft.Extensions.Options;

namespace Cryo.Agent.Csi;

/// <summary>
/// Publishes and unpublishes placeholder volumes: a read-only (nosuid, nodev) bind mount of the published directory
/// at the kubelet's target path, and its removal. Both are idempotent, as CSI requires of NodePublishVolume and
/// NodeUnpublishVolume: a target that already shows the published directory is left as it is, a target that is gone
/// is fine. A target with another mount on it is never touched. A volume published by an earlier build of the agent
/// is unpublished as well, and its build's directory removed with its last volume.
/// </summary>
public sealed class PlaceholderMounts(PlaceholderPublication publication, IOptions<CsiOptions> options) : IDisposable
{
    private const ulong MsReadOnly = 1;
    private const ulong MsNoSuid = 2;
    private const ulong MsNoDev = 4;
    private const ulong MsRemount = 32;
    private const ulong MsBind = 4096;
    private const int ErrorInvalid = 22; // EINVAL from umount2: not a mount point

    // Calls for one target come one at a time from the kubelet, but a retry may overlap a slow first call.
    private readonly SemaphoreSlim _lock = new(1, 1);

    /// <summary>Bind-mounts the published directory at <paramref name="targetPath"/>, read-only.</summary>
    public async Task PublishAsync(string targetPath, CancellationToken cancellationToken)
    {
        var source = publication.Directory
            ?? throw new TransientAgentException($"CSI driver {options.Value.DriverName} has not published the placeholder yet", TimeSpan.FromSeconds(1));
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (IsMountPoint(targetPath))
            {
                if (!SameDirectory(targetPath, source))
                {
                    throw new PlaceholderTargetTakenException(targetPath);
                }

                // Published before (a retried call): make sure it is read-only, as a first call cut short may have left it.
                Mount(null, targetPath, MsBind | MsRemount | MsReadOnly | MsNoSuid | MsNoDev);
                return;
            }

            System.IO.Directory.CreateDirectory(targetPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
            Mount(source, targetPath, MsBind);
            try
            {
                // A bind mount takes its flags from the remount, not from the first call.
                Mount(null, targetPath, MsBind | MsRemount | MsReadOnly | MsNoSuid | MsNoDev);
            }
            catch
            {
                _ = Umount2(targetPath, 0);
                throw;
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Unmounts the placeholder volume at <paramref name="targetPath"/> and removes the directory.</summary>
    public async Task UnpublishAsync(string targetPath, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            // The volume may show an earlier build's directory, published by the agent before an update.
            var shown = IsMountPoint(targetPath) ? PublishedDirectories.ShownAt(options.Value.PublishDirectory, targetPath) : null;
            while (IsMountPoint(targetPath))
            {
                if (shown is null || !SameDirectory(targetPath, shown))
                {
                    throw new PlaceholderTargetTakenException(targetPath);
                }

                if (Umount2(targetPath, 0) != 0)
                {
                    var error = Marshal.GetLastPInvokeError();
                    if (error == ErrorInvalid)
                    {
                        break;
                    }

                    throw new PlaceholderMountException($"umount {targetPath}", targetPath, error);
                }
            }

            if (System.IO.Directory.Exists(targetPath))
            {
                System.IO.Directory.Delete(targetPath);
            }

            // The last volume of an earlier build gone: its directory goes too.
            if (shown is not null && shown != publication.Directory
                && !PublishedDirectories.IsMounted(shown, MountInfo.ParseAll(await File.ReadAllTextAsync("/proc/self/mountinfo", cancellationToken))))
            {
                System.IO.Directory.Delete(shown, recursive: true);
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _lock.Dispose();

    /// <summary>Whether something is mounted exactly at <paramref name="path"/> in the agent's mount namespace.</summary>
    public static bool IsMountPoint(string path)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        return MountInfo.ParseAll(File.ReadAllText("/proc/self/mountinfo")).Any(m => m.MountPoint == full);
    }

    private static bool SameDirectory(string a, string b) =>
        NativeMethods.TryStat(a) is { } x && NativeMethods.TryStat(b) is { } y
        && x.Inode == y.Inode && x.DeviceMajor == y.DeviceMajor && x.DeviceMinor == y.DeviceMinor;

    private static void Mount(string? source, string target, ulong flags)
    {
        if (MountCall(source, target, null, flags, IntPtr.Zero) != 0)
        {
            throw new PlaceholderMountException(source is null ? $"remount {target} read-only" : $"bind {source} on {target}", target, Marshal.GetLastPInvokeError());
        }
    }

    [DllImport("libc", EntryPoint = "mount", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int MountCall([MarshalAs(UnmanagedType.LPUTF8Str)] string? source, [MarshalAs(UnmanagedType.LPUTF8Str)] string target,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string? filesystemType, ulong flags, IntPtr data);

    [DllImport("libc", EntryPoint = "umount2", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Umount2([MarshalAs(UnmanagedType.LPUTF8Str)] string target, int flags);
}
