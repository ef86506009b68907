using System.Globalization;

namespace Cryo.Bench.Agent;

/// <summary>
/// What /proc/meminfo says of the page cache before a step: dirty pages not yet written and pages being written. Noted
/// beside each checkpoint of the incremental bench, to tell a dump slowed by the writeback of the one before it from one
/// slowed by the agent's own work.
/// </summary>
public readonly record struct MemInfo(long DirtyKib, long WritebackKib, long CachedKib, long FreeKib)
{
    public static MemInfo Read()
    {
        var values = File.ReadLines("/proc/meminfo")
            .Select(line => line.Split(':', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => long.Parse(parts[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
        return new MemInfo(values["Dirty"], values["Writeback"], values["Cached"], values["MemFree"]);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"dirty {DirtyKib / 1024} MiB, writeback {WritebackKib / 1024} MiB, cached {CachedKib / 1024} MiB, free {FreeKib / 1024} MiB");
}
