using System.Reflection;
using System.Runtime.Loader;

namespace Cryo.Bench.Agent;

/// <summary>
/// Loads another checkout's built AgentBench (its agent, CRIU layer and harness) beside this one's: every assembly its
/// deps.json names comes from its own output directory, the shared framework from the default context. So two agents
/// of different code run in one process, against one workload and one raw CRIU baseline.
/// </summary>
public sealed class BeforeLoadContext(string agentBenchDll) : AssemblyLoadContext($"before:{agentBenchDll}")
{
    private readonly AssemblyDependencyResolver resolver = new(agentBenchDll);

    /// <summary>The other checkout's AgentBench assembly.</summary>
    public Assembly LoadBench() => LoadFromAssemblyPath(agentBenchDll);

    protected override Assembly? Load(AssemblyName assemblyName) =>
        resolver.ResolveAssemblyToPath(assemblyName) is { } path ? LoadFromAssemblyPath(path) : null;

    // libcryo-sha256.so is copied beside the agent as content, not listed as a native asset: look there too,
    // so the other checkout's agent never binds this one's library.
    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        var beside = Path.Combine(Path.GetDirectoryName(agentBenchDll)!, $"lib{unmanagedDllName}.so");
        return path is not null ? LoadUnmanagedDllFromPath(path)
            : File.Exists(beside) ? LoadUnmanagedDllFromPath(beside)
            : IntPtr.Zero;
    }
}
