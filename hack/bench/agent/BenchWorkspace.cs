using Cryo.Testing.Agent.Harness;

namespace Cryo.Bench.Agent;

/// <summary>
/// One benchmark's scratch space: a temporary directory, the engines over it, and the memhog workload once started.
/// Disposing it ends what the benchmark leaves behind: the restored copies still in the engines' cgroups, the
/// workload, and the directory.
/// </summary>
public sealed class BenchWorkspace : IAsyncDisposable
{
    private ContainerWorkload? _workload;

    /// <param name="prefix">How the temporary directory's name begins (<c>cryo-bench-lazy-</c>).</param>
    /// <param name="criuPath">The CRIU the engines run.</param>
    public BenchWorkspace(string prefix, string criuPath)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory(prefix).FullName;
        Engines = new BenchEngines(Directory, criuPath);
    }

    /// <summary>The temporary directory: the engines' store and run directories are under it.</summary>
    public string Directory { get; }

    public BenchEngines Engines { get; }

    /// <summary>Starts memhog as <see cref="Memhog.StartAsync"/> does; the workspace ends it when disposed.</summary>
    public async Task<(ContainerWorkload Workload, string Checksum)> StartMemhogAsync(int sizeMib, string memhog, CancellationToken cancellationToken,
        string cgroupParent = "cryo-bench", string mode = "random")
    {
        var (workload, checksum) = await Memhog.StartAsync(sizeMib, memhog, cancellationToken, cgroupParent, mode);
        _workload = workload;
        return (workload, checksum);
    }

    public async ValueTask DisposeAsync()
    {
        await BenchSteps.SweepRestoreCgroupsAsync(Engines.Options);
        if (_workload is not null)
        {
            await _workload.DisposeAsync();
        }
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
