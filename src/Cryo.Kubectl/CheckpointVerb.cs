using System.Text.Json.Nodes;
using Cryo.CommandLine;

namespace Cryo.Kubectl;

/// <summary><c>kubectl cryo checkpoint POD</c>: creates a Checkpoint of a pod's container, and with --wait waits for it.</summary>
public static class CheckpointVerb
{
    /// <summary>One line of usage.</summary>
    public const string Usage = "kubectl cryo checkpoint POD [-c CONTAINER] [--name NAME] [--parent CHECKPOINT|auto] [--compression none|zstd] [--stop] [--tcp-established] [--wait]";

    /// <summary>Options taking a value.</summary>
    public static readonly string[] Options = ["--container", "--name", "--parent", "--compression"];

    /// <summary>Flags.</summary>
    public static readonly string[] Flags = ["--stop", "--tcp-established", "--wait"];

    /// <summary>Creates the Checkpoint; waits when asked.</summary>
    public static async Task<int> RunAsync(ParsedArguments args, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);
        var pod = args.SinglePositional("pod's name");
        var spec = new JsonObject { ["podName"] = pod };
        if (args.Value("--container") is { } container)
        {
            spec["containerName"] = container;
        }

        if (args.Flag("--stop"))
        {
            spec["leaveRunning"] = false;
        }

        if (args.Flag("--tcp-established"))
        {
            spec["tcpEstablished"] = true;
        }

        if (args.Value("--parent") is { } parent)
        {
            spec["parentCheckpoint"] = parent;
        }

        if (args.Value("--compression") is { } compression)
        {
            spec["compression"] = Compression(compression);
        }

        var created = await context.Objects.CreateAsync(CryoKinds.Checkpoint, context.Namespace,
            NewObject.Of(CryoKinds.Checkpoint, args.Value("--name"), $"{pod}-", spec), context.CancellationToken);
        var name = Json.String(created, "metadata", "name") ?? "";
        if (!args.Flag("--wait"))
        {
            context.Print(created, o => o.WriteLine($"{CryoKinds.Checkpoint.Qualified(name)} created"));
            return ExitCodes.Success;
        }

        var finished = await Waiting.ForAsync(context, CryoKinds.Checkpoint, name, $"checkpoint {context.Namespace}/{name}");
        return Waiting.Report(context, CryoKinds.Checkpoint, name, finished, Describe);
    }

    // The CRD's enum says the same; checked here too, so a typo is a usage error naming the choices, not the API server's refusal.
    private static string Compression(string value) => value is "none" or "zstd"
        ? value
        : throw new UsageException($"--compression {value}: use none or zstd");

    private static string Describe(JsonObject checkpoint)
    {
        var size = Json.Long(checkpoint, "status", "sizeBytes") is { } bytes ? Units.Bytes(bytes) : "?";
        var node = Json.String(checkpoint, "status", "nodeName") ?? "?";
        var frozen = Json.Long(checkpoint, "status", "timings", "freezeMilliseconds") is { } f ? $", frozen {Units.Millis(f)}" : "";
        var total = Json.Long(checkpoint, "status", "timings", "totalMilliseconds") is { } t ? $", total {Units.Millis(t)}" : "";
        return $"{size} on node {node}{frozen}{total}";
    }
}
