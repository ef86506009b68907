using System.Globalization;
using Cryo.Criu.Images.Protos;

namespace Cryo.Criu.Images;

/// <summary>
/// What a directory of CRIU images says about the tree it holds, read from the images alone: the processes
/// (<c>pstree.img</c>, named from each <c>core-PID.img</c>) and the mounts declared external at dump
/// (<c>mountpoints-ID.img</c>), which a restore must map to sources, and the network namespaces declared external
/// (<c>netns-ID.img</c>), which a restore must hand CRIU under their keys. For images Cryo did not write itself
/// (a kubelet checkpoint archive made by CRI-O or containerd).
/// </summary>
/// <example>
/// <code>
/// var tree = CriuTreeImages.Read("/var/lib/cryo/checkpoints/default/web-…/images");
/// // tree.Processes[0].Pid is the root's PID in its namespace; tree.ExternalMounts["/etc/hosts"] is the key's mount point.
/// </code>
/// </example>
public sealed class CriuTreeImages
{
    private CriuTreeImages(IReadOnlyList<CriuTreeProcess> processes, IReadOnlyDictionary<string, string> externalMounts, IReadOnlyList<string> externalNetworkNamespaces)
    {
        Processes = processes;
        ExternalMounts = externalMounts;
        ExternalNetworkNamespaces = externalNetworkNamespaces;
    }

    /// <summary>The tasks, root first, in <c>pstree.img</c>'s order.</summary>
    public IReadOnlyList<CriuTreeProcess> Processes { get; }

    /// <summary>External mounts: the key given at dump → the mount point inside the tree's root.</summary>
    public IReadOnlyDictionary<string, string> ExternalMounts { get; }

    /// <summary>
    /// The keys of the network namespaces declared external at dump (<c>--external net[INODE]:KEY</c>; runc, and so
    /// CRI-O and containerd, name the container's <c>extRootNetNS</c>), in image order: a restore fails unless each is
    /// handed to CRIU (<c>--inherit-fd fd[N]:KEY</c>). Empty when CRIU dumped inside the tree's network namespace.
    /// </summary>
    public IReadOnlyList<string> ExternalNetworkNamespaces { get; }

    /// <summary>Reads the images in <paramref name="imagesDirectory"/>.</summary>
    /// <exception cref="CriuImageFormatException">An image is missing, has the wrong magic or does not decode.</exception>
    public static CriuTreeImages Read(string imagesDirectory)
    {
        var treePath = Path.Combine(imagesDirectory, CriuImageFiles.ProcessTree);
        if (!File.Exists(treePath))
        {
            throw new CriuImageFormatException(treePath, "is missing: the directory holds no process tree");
        }

        var processes = new List<CriuTreeProcess>();
        using (var reader = CriuImageReader.Open(treePath, CriuImageKind.ProcessTree))
        {
            while (reader.Read(PstreeEntry.Parser) is { } entry)
            {
                processes.Add(new CriuTreeProcess((int)entry.Pid, (int)entry.Ppid, CommandOf(imagesDirectory, entry.Pid)));
            }
        }

        if (processes.Count == 0)
        {
            throw new CriuImageFormatException(treePath, "lists no process");
        }

        var externals = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(imagesDirectory, CriuImageFiles.MountPointsPrefix + "*" + CriuImageFiles.ImageSuffix).Order(StringComparer.Ordinal))
        {
            using var reader = CriuImageReader.Open(path, CriuImageKind.MountPoints);
            while (reader.Read(MntEntry.Parser) is { } mount)
            {
                // CRIU 3.16 and later record the key in ext_key alone; older ones flagged ext_mount and kept it in root.
                if (mount.HasExtKey && mount.ExtKey.Length > 0)
                {
                    externals.TryAdd(mount.ExtKey, mount.Mountpoint);
                }
                else if (mount.ExtMount)
                {
                    externals.TryAdd(mount.Root, mount.Mountpoint);
                }
            }
        }

        var networkKeys = new List<string>();
        foreach (var path in Directory.EnumerateFiles(imagesDirectory, CriuImageFiles.NetnsPrefix + "*" + CriuImageFiles.ImageSuffix).Order(StringComparer.Ordinal))
        {
            using var reader = CriuImageReader.Open(path, CriuImageKind.Netns);
            if (reader.Read(NetnsEntry.Parser) is { HasExtKey: true, ExtKey.Length: > 0 } netns && !networkKeys.Contains(netns.ExtKey))
            {
                networkKeys.Add(netns.ExtKey);
            }
        }

        return new CriuTreeImages(processes, externals, networkKeys);
    }

    // The task's name from its core image; empty when the image is missing (a thread-less zombie, say).
    private static string CommandOf(string imagesDirectory, uint pid)
    {
        var path = Path.Combine(imagesDirectory, CriuImageFiles.CorePrefix + pid.ToString(CultureInfo.InvariantCulture) + CriuImageFiles.ImageSuffix);
        if (!File.Exists(path))
        {
            return string.Empty;
        }

        using var reader = CriuImageReader.Open(path, CriuImageKind.Core);
        return reader.Read(CoreEntry.Parser)?.Tc?.Comm ?? string.Empty;
    }
}
