using System.Text.Json.Nodes;
using Cryo.CommandLine;

namespace Cryo.Kubectl;

/// <summary>
/// <c>kubectl cryo inspect CHECKPOINT</c>: the Checkpoint (where, how big, how long, its parent chain, its Restores,
/// its conditions) and, from the agent on its node, the process tree and files it holds.
/// </summary>
public static class InspectVerb
{
    /// <summary>One line of usage.</summary>
    public const string Usage = "kubectl cryo inspect CHECKPOINT [--agent-namespace NS] [--no-agent]";

    /// <summary>Options taking a value.</summary>
    public static readonly string[] Options = ["--agent-namespace"];

    /// <summary>Flags.</summary>
    public static readonly string[] Flags = ["--no-agent"];

    /// <summary>The namespace the chart installs the agents into unless told otherwise.</summary>
    public const string DefaultAgentNamespace = "cryo-system";

    // A chain longer than this is a loop in the data, not a chain.
    private const int MaxChain = 64;

    /// <summary>Reads and prints everything known about the checkpoint.</summary>
    public static async Task<int> RunAsync(ParsedArguments args, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);
        var name = args.SinglePositional("checkpoint's name");
        var token = context.CancellationToken;
        var checkpoint = await context.ExistingAsync(CryoKinds.Checkpoint, name);
        var chain = await ChainAsync(context, checkpoint);
        var restores = (await context.Objects.ListAsync(CryoKinds.Restore, context.Namespace, token))
            .Where(r => Json.String(r, "spec", "checkpointName") == name).ToList();

        JsonNode? details = null;
        string? unavailable = "not asked for (--no-agent)";
        if (!args.Flag("--no-agent"))
        {
            (details, unavailable) = Json.String(checkpoint, "status", "phase") != "Succeeded" || Json.String(checkpoint, "status", "nodeName") is not { } node
                ? (null, "the checkpoint has not succeeded, so no node holds its images")
                : await AgentInspection.ReadAsync(context.Cluster, args.Value("--agent-namespace") ?? DefaultAgentNamespace, node, context.Namespace, name, token);
        }

        var document = new JsonObject
        {
            ["checkpoint"] = checkpoint.DeepClone(),
            ["chain"] = new JsonArray([.. chain.Select(c => (JsonNode)c)]),
            ["chainLength"] = chain.Count,
            ["restores"] = new JsonArray([.. restores.Select(r => (JsonNode)new JsonObject
            {
                ["name"] = Json.String(r, "metadata", "name"),
                ["phase"] = Json.String(r, "status", "phase") ?? "Pending",
                ["podName"] = Json.String(r, "status", "podName"),
            })]),
            ["agent"] = details,
        };
        if (unavailable is not null && !args.Flag("--no-agent"))
        {
            document["agentUnavailable"] = unavailable;
        }

        context.Print(document, o => WriteText(o, checkpoint, chain, restores, details, unavailable));
        return ExitCodes.Success;
    }

    // The checkpoint, its parent, the parent's parent, ...: names only, newest first.
    private static async Task<List<string>> ChainAsync(PluginContext context, JsonObject checkpoint)
    {
        var chain = new List<string> { Json.String(checkpoint, "metadata", "name") ?? "" };
        var current = checkpoint;
        while (Parent(current) is { } parent && chain.Count < MaxChain && !chain.Contains(parent))
        {
            chain.Add(parent);
            if (await context.Objects.GetAsync(CryoKinds.Checkpoint, context.Namespace, parent, context.CancellationToken) is not { } next)
            {
                break;
            }

            current = next;
        }

        return chain;
    }

    // The parent the checkpoint was made against: status.parent once resolved (parentCheckpoint: auto), else the spec's.
    private static string? Parent(JsonObject checkpoint) =>
        Json.String(checkpoint, "status", "parent") is { Length: > 0 } resolved ? resolved
        : Json.String(checkpoint, "spec", "parentCheckpoint") is { Length: > 0 } named && named != "auto" ? named
        : null;

    private static void WriteText(TextWriter o, JsonObject c, List<string> chain, List<JsonObject> restores, JsonNode? details, string? unavailable)
    {
        o.WriteLine($"Name:          {Json.String(c, "metadata", "name")}");
        o.WriteLine($"Namespace:     {Json.String(c, "metadata", "namespace")}");
        o.WriteLine($"Phase:         {Waiter.Describe(c)}");
        var container = Json.String(c, "spec", "containerName") is { } name ? $", container {name}" : "";
        o.WriteLine($"Pod:           {Json.String(c, "spec", "podName")}{container}");
        o.WriteLine($"Node:          {Json.String(c, "status", "nodeName") ?? "-"}");
        if (Json.Long(c, "status", "sizeBytes") is { } size)
        {
            var stored = Json.Long(c, "status", "storedBytes") is { } s ? $", {Units.Bytes(s)} of it stored by this checkpoint" : "";
            var compressed = Json.String(c, "status", "compression") is { Length: > 0 } compression ? $", page images compressed with {compression}" : "";
            o.WriteLine($"Size:          {Units.Bytes(size)}{stored}{compressed}");
        }

        if (Json.String(c, "status", "location") is { } location)
        {
            o.WriteLine($"Location:      {location}");
        }

        if (Json.String(c, "status", "criuVersion") is { } criu)
        {
            o.WriteLine($"CRIU:          {criu}");
        }

        if (Json.At(c, "status", "timings") is JsonObject)
        {
            o.WriteLine($"Timings:       frozen {Millis(c, "freezeMilliseconds")}, dump {Millis(c, "dumpMilliseconds")}, total {Millis(c, "totalMilliseconds")}");
        }

        o.WriteLine($"Chain:         {string.Join(" <- ", chain)} ({chain.Count} checkpoint{(chain.Count == 1 ? "" : "s")})");
        o.WriteLine($"Restores:      {(restores.Count == 0 ? "none" : string.Join(", ", restores.Select(r => $"{Json.String(r, "metadata", "name")} ({Json.String(r, "status", "phase") ?? "Pending"})")))}");
        if (Json.At(c, "status", "conditions") is JsonArray { Count: > 0 } conditions)
        {
            o.WriteLine("Conditions:");
            Table.Write(o, ["  TYPE", "STATUS", "REASON", "MESSAGE"], [.. conditions.OfType<JsonObject>().Select(k => new[]
            {
                $"  {Json.String(k, "type")}", Json.String(k, "status") ?? "", Json.String(k, "reason") ?? "", Json.String(k, "message") ?? "",
            })]);
        }

        if (details is null)
        {
            o.WriteLine($"Processes and files: not shown: {unavailable}");
            return;
        }

        var processes = Json.At(details, "processes") as JsonArray ?? [];
        o.WriteLine($"Processes ({processes.Count}):");
        Table.Write(o, ["  PID", "PPID", "COMMAND"], [.. processes.OfType<JsonObject>().Select(p => new[]
        {
            $"  {Json.Long(p, "pid")}", $"{Json.Long(p, "ppid")}", string.Join(" ", (Json.At(p, "args") as JsonArray ?? []).Select(a => a?.ToString())),
        })]);
        var files = Json.At(details, "files") as JsonArray ?? [];
        o.WriteLine($"Files ({files.Count}):");
        Table.Write(o, ["  PATH", "SIZE"], [.. files.OfType<JsonObject>().Select(f => new[]
        {
            $"  {Json.String(f, "path")}", Json.Long(f, "sizeBytes") is { } b ? Units.Bytes(b) : "",
        })]);
    }

    private static string Millis(JsonObject c, string field) => Json.Long(c, "status", "timings", field) is { } ms ? Units.Millis(ms) : "-";
}
