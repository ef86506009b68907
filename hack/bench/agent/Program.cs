using System.Globalization;
using Cryo.Agent.Tests.Harness;
using Cryo.Bench.Agent;
using Cryo.Criu;

// hack/bench-agent.sh: agent checkpoint/restore against raw CRIU with the same options, per workload size.
var sizes = new List<int> { 64, 512, 2048 };
string? memhog = null;
var criuPath = CriuCli.DefaultExecutablePath;
int? repeats = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--sizes":
            sizes = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
            break;
        case "--memhog":
            memhog = Path.GetFullPath(args[++i]);
            break;
        case "--criu":
            criuPath = args[++i];
            break;
        case "--repeats":
            repeats = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}; usage: AgentBench --memhog PATH [--sizes 64,512,2048] [--repeats N] [--criu PATH]");
            return 2;
    }
}
if (memhog is null || !File.Exists(memhog))
{
    Console.Error.WriteLine("--memhog PATH (a static memhog binary) is required");
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
Emit.Note("page cache is NOT dropped (images stay cached, as on a node that just wrote them); `sync` runs before every timed run so no run pays for the previous run's writeback");
var failed = false;
foreach (var size in sizes)
{
    var n = repeats ?? (size >= 2048 ? 3 : 5);
    try
    {
        await SizeBench.RunAsync(size, n, memhog, criuPath, stop.Token);
    }
    catch (Exception e) when (e is not OperationCanceledException)
    {
        Emit.Note($"size {size} MiB failed: {e}");
        failed = true;
    }
}
return failed ? 1 : 0;
