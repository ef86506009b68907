using System.Globalization;
using Cryo.Testing.Agent.Harness;
using Cryo.Bench.Agent;
using Cryo.Criu;

// hack/bench-agent.sh: agent checkpoint/restore against raw CRIU with the same options, per workload size
// ("engine"), the same engines called through the agent's gRPC service against directly ("grpc", at
// 512 MiB unless --only grpc is given other --sizes), and lazy against eager restores ("lazy", at 2 GiB
// unless --only lazy is given other --sizes), and restores into a pod's placeholder container against standalone ones
// ("inpod": a ~60 MB JVM-like tree and 512 MiB of memhog, on the node harness's real containerd; not part of a
// default run, as it starts a node of its own).
var sizes = new List<int> { 64, 512, 2048 };
var sizesGiven = false;
string? only = null;
string? memhog = null;
string? placeholder = null;
string? before = null;
var criuPath = CriuCli.DefaultExecutablePath;
int? repeats = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--sizes":
            sizes = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
            sizesGiven = true;
            break;
        case "--only" when i + 1 < args.Length && args[i + 1] is "engine" or "grpc" or "lazy" or "hashing" or "incremental" or "compression" or "inpod" or "migration" or "beforeafter":
            only = args[++i];
            break;
        case "--memhog":
            memhog = Path.GetFullPath(args[++i]);
            break;
        case "--placeholder":
            placeholder = Path.GetFullPath(args[++i]);
            break;
        case "--before":
            before = Path.GetFullPath(args[++i]);
            break;
        case "--criu":
            criuPath = args[++i];
            break;
        case "--repeats":
            repeats = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}; usage: AgentBench --memhog PATH [--sizes 64,512,2048] [--repeats N] [--only engine|grpc|lazy|hashing|incremental|compression|inpod|migration|beforeafter] [--placeholder PATH] [--before AGENTBENCH_DLL] [--criu PATH]");
            return 2;
    }
}
if (memhog is null || !File.Exists(memhog))
{
    Console.Error.WriteLine("--memhog PATH (a static memhog binary) is required");
    return 2;
}
var memhogPath = memhog;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
Emit.Note("page cache is NOT dropped (images stay cached, as on a node that just wrote them); `sync` runs before every timed run so no run pays for the previous run's writeback");
var failed = false;
// The targets are at 512 MiB and 2 GiB, where one run's CRIU time alone varies by 30 % here (raw CRIU
// pays its freezer's 100 ms step in some runs, 2 GiB restores swing with the page cache): more runs there.
// With 7, the ratio of medians moved by up to ±0.05 from one run of the benchmark to the next; 11 narrow that.
int Runs(int size) => repeats ?? (size >= 512 ? 11 : 5);
// The gRPC comparison looks for a few milliseconds between two runs of the same CRIU work, whose own
// time varies by tens of milliseconds from run to run: it takes more pairs than the engine part.
int GrpcRuns(int size) => repeats ?? 11;
// A lazy run and an eager run of 2 GiB take about 10 s together here; the two ratios are far from their targets'
// edges, so fewer pairs do.
int LazyRuns() => repeats ?? 5;
async Task RunPartAsync(string part, int size, Func<int, int, string, string, CancellationToken, Task> bench)
{
    try
    {
        await bench(size, part switch { "grpc" => GrpcRuns(size), "lazy" => LazyRuns(), _ => Runs(size) }, memhogPath, criuPath, stop.Token);
    }
    catch (Exception e) when (e is not OperationCanceledException)
    {
        Emit.Note($"{part} {size} MiB failed: {e}");
        failed = true;
    }
}

if (only == "hashing")
{
    // Not part of a default run: the primitives behind the engine figures, for deciding how to hash.
    foreach (var size in sizesGiven ? sizes : [512])
    {
        await RunPartAsync("hashing", size, HashingBench.RunAsync);
    }
}
if (only == "incremental")
{
    // hack/bench.sh incremental: 1 GiB unless --sizes says otherwise; restores alternate chain and full, 5 of each.
    foreach (var size in sizesGiven ? sizes : [1024])
    {
        await RunPartAsync("incremental", size, (s, _, m, c, t) => IncrementalBench.RunAsync(s, repeats ?? 5, m, c, t));
    }
}
if (only == "migration")
{
    // hack/bench.sh migration: 1 GiB unless --sizes says otherwise; 3 moves in each mode, alternating.
    foreach (var size in sizesGiven ? sizes : [MigrationDowntimeBench.DefaultSizeMib])
    {
        await RunPartAsync("migration", size, (s, _, m, c, t) => MigrationDowntimeBench.RunAsync(s, repeats ?? 3, m, c, t));
    }
}
if (only == "compression")
{
    // hack/bench.sh compression: 512 MiB of each workload unless --sizes says otherwise; 3 checkpoints and restores of each kind.
    foreach (var size in sizesGiven ? sizes : [512])
    {
        await RunPartAsync("compression", size, (s, _, m, c, t) => CompressionBench.RunAsync(s, repeats ?? 3, m, c, t));
    }
}
if (only == "inpod")
{
    // hack/bench.sh agent --only inpod: a JVM-like tree and 512 MiB of memhog unless --sizes names memhog sizes; 7 pairs.
    if (placeholder is null || !File.Exists(placeholder))
    {
        Console.Error.WriteLine("--only inpod needs --placeholder PATH (a static cryo-placeholder; hack/bench-agent.sh builds it)");
        return 2;
    }
    IReadOnlyList<InPodBench.Workload> workloads = sizesGiven ? sizes.Select(InPodBench.MemhogOf).ToList() : [InPodBench.JvmLike, InPodBench.MemhogOf(512)];
    await InPodBench.RunAsync(workloads, repeats ?? 7, memhogPath, placeholder, criuPath, () => failed = true, stop.Token);
}
if (only == "beforeafter")
{
    // hack/bench-agent.sh --before DIR: another checkout's agent beside this one's against one raw CRIU baseline; 512 MiB, 5 runs unless told.
    if (before is null || !File.Exists(before))
    {
        Console.Error.WriteLine("--only beforeafter needs --before PATH (the other checkout's built AgentBench.dll; hack/bench-agent.sh --before DIR builds it)");
        return 2;
    }
    var beforeDll = before;
    foreach (var size in sizesGiven ? sizes : [512])
    {
        await RunPartAsync("beforeafter", size, (s, _, m, c, t) => BeforeAfterBench.RunAsync(s, repeats ?? 5, beforeDll, m, c, t));
    }
}
if (only is null or "engine")
{
    foreach (var size in sizes)
    {
        await RunPartAsync("size", size, SizeBench.RunAsync);
    }
}
if (only is null or "grpc")
{
    var grpcSizes = only == "grpc" && sizesGiven ? sizes : [GrpcBench.DefaultSizeMib];
    foreach (var size in grpcSizes)
    {
        await RunPartAsync("grpc", size, GrpcBench.RunAsync);
    }
}
if (only is null or "lazy")
{
    var lazySizes = only == "lazy" && sizesGiven ? sizes : [LazyBench.DefaultSizeMib];
    foreach (var size in lazySizes)
    {
        await RunPartAsync("lazy", size, LazyBench.RunAsync);
    }
}
return failed ? 1 : 0;
