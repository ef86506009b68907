using System.Text.Json.Nodes;
using Cryo.CommandLine;

namespace Cryo.Kubectl;

/// <summary><c>kubectl cryo ls</c>: the Checkpoints of the namespace (or every namespace with -A).</summary>
public static class ListVerb
{
    /// <summary>One line of usage.</summary>
    public const string Usage = "kubectl cryo ls [-A]";

    /// <summary>Flags.</summary>
    public static readonly string[] Flags = ["--all-namespaces"];

    /// <summary>Lists them, oldest first.</summary>
    public static async Task<int> RunAsync(ParsedArguments args, PluginContext context, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(clock);
        args.NoPositionals();
        var all = args.Flag("--all-namespaces");
        var items = (await context.Objects.ListAsync(CryoKinds.Checkpoint, all ? null : context.Namespace, context.CancellationToken))
            .OrderBy(c => Json.Time(c, "metadata", "creationTimestamp")).ThenBy(c => Json.String(c, "metadata", "name"), StringComparer.Ordinal).ToList();
        var list = Json.List(items);
        context.Print(list, o =>
        {
            if (items.Count == 0)
            {
                o.WriteLine(all ? "No checkpoints found." : $"No checkpoints found in {context.Namespace} namespace.");
                return;
            }

            string[] header = ["NAME", "POD", "CONTAINER", "PHASE", "SIZE", "STORED", "NODE", "AGE"];
            var now = clock.GetUtcNow();
            var rows = items.Select(c => new[]
            {
                Json.String(c, "metadata", "name") ?? "",
                Json.String(c, "spec", "podName") ?? "",
                Json.String(c, "spec", "containerName") ?? "",
                Json.String(c, "status", "phase") ?? "Pending",
                Json.Long(c, "status", "sizeBytes") is { } size ? Units.Bytes(size) : "",
                Json.Long(c, "status", "storedBytes") is { } stored ? Units.Bytes(stored) : "",
                Json.String(c, "status", "nodeName") ?? "",
                Json.Time(c, "metadata", "creationTimestamp") is { } created ? Age.Of(now - created) : "",
            });
            Table.Write(o, all ? ["NAMESPACE", .. header] : header,
                [.. all ? rows.Zip(items, (r, c) => (string[])[Json.String(c, "metadata", "namespace") ?? "", .. r]) : rows]);
        });
        return ExitCodes.Success;
    }
}
