using Cryo.Agent.Restoring;

namespace Cryo.Agent.Tests.Support;

/// <summary>
/// Restored trees a test started: on disposal each is SIGKILLed with its descendants, and the cgroups
/// the engine made for standalone copies are removed — the engines' own (each <see cref="TestEngines"/> has
/// its own cgroup parent: sweeping a shared one killed other tests' restores mid-way).
/// </summary>
public sealed class RestoredCopies(TestEngines engines) : IAsyncDisposable
{
    private readonly List<int> roots = [];

    public void Track(int hostPid)
    {
        lock (roots)
        {
            roots.Add(hostPid);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var root in roots)
        {
            await ProcessReaper.KillTreeAsync(root, CancellationToken.None);
        }
        foreach (var (_, hierarchy) in RestoreCgroups.Hierarchies(engines.Options))
        {
            var parent = Path.Combine(hierarchy, engines.Options.RestoreCgroupParent);
            if (!Directory.Exists(parent))
            {
                continue;
            }
            foreach (var cgroup in Directory.EnumerateDirectories(parent))
            {
                await ProcessReaper.KillCgroupAsync(cgroup, remove: true, CancellationToken.None);
            }
            Directory.Delete(parent);
        }
    }
}
