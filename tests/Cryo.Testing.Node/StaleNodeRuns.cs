using System.Globalization;

namespace Cryo.Testing.Node;

/// <summary>
/// Removes what a killed test run's node left behind (its exit handler never ran): its containerd and shims, the
/// processes and cgroups of its pods, its mounts and directory, its bridge. A run is dead when the test host whose
/// PID is in its directory's name is gone.
/// </summary>
internal static class StaleNodeRuns
{
    public static async Task RemoveAsync(string parent, string prefix, CancellationToken cancellationToken)
    {
        var runs = Directory.EnumerateDirectories(parent, prefix + "*").Select(d => (Directory: d, Alive: OwnerAlive(d, prefix))).ToList();
        var liveBridges = runs.Where(r => r.Alive).Select(r => ReadOrEmpty(Path.Combine(r.Directory, "cni", "bridge"))).ToHashSet(StringComparer.Ordinal);
        foreach (var (directory, _) in runs.Where(r => !r.Alive))
        {
            await RemoveRunAsync(directory, liveBridges, cancellationToken);
        }
    }

    private static async Task RemoveRunAsync(string directory, HashSet<string> liveBridges, CancellationToken cancellationToken)
    {
        var containerdDirectory = Path.Combine(directory, "containerd");
        if (int.TryParse(ReadOrEmpty(Path.Combine(containerdDirectory, "containerd.pid")), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && ReadOrEmpty($"/proc/{pid}/cmdline").Contains(containerdDirectory, StringComparison.Ordinal))
        {
            await ProcessReaper.KillAsync([pid], cancellationToken);
        }

        await Containerd.KillShimsAsync(Containerd.SocketPath(containerdDirectory), cancellationToken);
        var pods = Path.Combine(directory, "kubelet", "pods");
        foreach (var uid in Directory.Exists(pods) ? Directory.EnumerateDirectories(pods).Select(Path.GetFileName) : [])
        {
            foreach (var qos in new[] { KubeletQos.Guaranteed, KubeletQos.Burstable, KubeletQos.BestEffort })
            {
                await NodeCgroups.RemovePodAsync(KubeletQos.CgroupParent(qos, uid!), cancellationToken);
            }
        }

        var bridge = ReadOrEmpty(Path.Combine(directory, "cni", "bridge"));
        var createdCgroups = File.Exists(Path.Combine(directory, "created-cgroups")) ? File.ReadAllLines(Path.Combine(directory, "created-cgroups")) : [];
        await TempDirectory.DeleteAsync(directory, cancellationToken);
        if (bridge.Length > 0 && !liveBridges.Contains(bridge))
        {
            await CniNetwork.DeleteBridgeAsync(bridge, cancellationToken);
        }

        NodeCgroups.RemoveNodeLevels(createdCgroups);
    }

    private static bool OwnerAlive(string directory, string prefix)
    {
        var owner = Path.GetFileName(directory)[prefix.Length..].Split('-')[0];
        return !int.TryParse(owner, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || Directory.Exists($"/proc/{pid}");
    }

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }
}
