using Cryo.CommandLine;
using Cryo.Contracts.Agent.V1;

namespace Cryo.Cli;

/// <summary><c>cryo node</c>: the agent's node, CRIU, capabilities and store space.</summary>
public static class NodeVerb
{
    /// <summary>One line of help.</summary>
    public const string Usage = "cryo node";

    /// <summary>Fetches and prints the node's description.</summary>
    public static async Task<int> RunAsync(ParsedArguments args, CliContext context)
    {
        args.NoPositionals();
        var info = await context.Agent.GetNodeInfoAsync(new GetNodeInfoRequest(), context.QuickCall());
        context.Print(info, o =>
        {
            o.WriteLine($"Node:          {info.NodeName}");
            o.WriteLine($"Agent:         {info.AgentVersion}");
            o.WriteLine($"CRIU:          {(info.CriuVersion.Length > 0 ? info.CriuVersion : "not usable")}");
            o.WriteLine($"Kernel:        {info.KernelRelease}");
            o.WriteLine($"Store:         {info.StorePath}: {Units.Bytes(info.StoreFreeBytes)} free of {Units.Bytes(info.StoreCapacityBytes)}");
            o.WriteLine($"Operations:    {info.OperationsInFlight} in flight, at most {info.MaxParallelOperations} at once");
            o.WriteLine("Capabilities:");
            foreach (var (name, capability) in info.Capabilities.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                o.WriteLine(capability.Available ? $"  {name}: yes" : $"  {name}: no — {capability.Reason}");
            }
        });
        return 0;
    }
}
