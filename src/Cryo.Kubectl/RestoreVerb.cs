using System.Text.Json.Nodes;
using Cryo.CommandLine;

namespace Cryo.Kubectl;

/// <summary><c>kubectl cryo restore CHECKPOINT</c>: creates Restores into new pods, and with --wait waits for them.</summary>
public static class RestoreVerb
{
    /// <summary>One line of usage.</summary>
    public const string Usage = "kubectl cryo restore CHECKPOINT [--to-node NODE] [--copies K] [--name NAME] [--wait]";

    /// <summary>Options taking a value.</summary>
    public static readonly string[] Options = ["--to-node", "--copies", "--name"];

    /// <summary>Flags.</summary>
    public static readonly string[] Flags = ["--wait"];

    /// <summary>Creates one Restore per copy; waits for each when asked.</summary>
    public static async Task<int> RunAsync(ParsedArguments args, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);
        var checkpoint = args.SinglePositional("checkpoint's name");
        var copies = args.PositiveInt("--copies") ?? 1;
        var name = args.Value("--name");

        // A missing or unfinished checkpoint would make Restores that only fail: say so before creating any.
        var source = await context.ExistingAsync(CryoKinds.Checkpoint, checkpoint);
        if (Json.String(source, "status", "phase") is var phase && phase != "Succeeded")
        {
            throw new CommandRefusedException($"checkpoint {context.Namespace}/{checkpoint} has not succeeded (phase {phase ?? "Pending"}): nothing to restore yet");
        }

        var created = new List<JsonObject>();
        for (var copy = 1; copy <= copies; copy++)
        {
            var newPod = new JsonObject();
            if (args.Value("--to-node") is { } node)
            {
                newPod["nodeName"] = node;
            }

            var spec = new JsonObject { ["checkpointName"] = checkpoint, ["newPod"] = newPod };
            var copyName = name is null ? null : copies == 1 ? name : $"{name}-{copy}";
            created.Add(await context.Objects.CreateAsync(CryoKinds.Restore, context.Namespace,
                NewObject.Of(CryoKinds.Restore, copyName, $"{checkpoint}-", spec), context.CancellationToken));
        }

        var names = created.Select(r => Json.String(r, "metadata", "name") ?? "").ToList();
        if (!args.Flag("--wait"))
        {
            context.Print(ListOf(created), o => names.ForEach(n => o.WriteLine($"{CryoKinds.Restore.Qualified(n)} created")));
            return ExitCodes.Success;
        }

        // They restore side by side in the cluster; waiting for each in turn costs no time.
        var exit = ExitCodes.Success;
        var finished = new List<JsonObject>();
        foreach (var restore in names)
        {
            var done = await Waiting.ForAsync(context, CryoKinds.Restore, restore, $"restore {context.Namespace}/{restore}");
            if (context.Format == OutputFormat.Text || done is null)
            {
                exit = Math.Max(exit, Waiting.Report(context, CryoKinds.Restore, restore, done, Describe));
            }
            else
            {
                finished.Add(done);
                exit = Math.Max(exit, Json.String(done, "status", "phase") == "Succeeded" ? ExitCodes.Success : ExitCodes.Failed);
            }
        }

        if (context.Format != OutputFormat.Text)
        {
            context.Print(ListOf(finished), _ => { });
        }

        return exit;
    }

    // One object prints as itself, several as a v1 List, as kubectl does.
    private static JsonObject ListOf(List<JsonObject> items) => items.Count == 1
        ? items[0]
        : Json.List(items);

    private static string Describe(JsonObject restore)
    {
        var pod = Json.String(restore, "status", "podName") ?? "?";
        var node = Json.String(restore, "status", "nodeName") ?? "?";
        var criu = Json.Long(restore, "status", "timings", "restoreMilliseconds") is { } r ? $", restore {Units.Millis(r)}" : "";
        var total = Json.Long(restore, "status", "timings", "totalMilliseconds") is { } t ? $", total {Units.Millis(t)}" : "";
        return $"pod {pod} on node {node}{criu}{total}";
    }
}
