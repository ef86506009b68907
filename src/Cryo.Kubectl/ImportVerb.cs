using System.Formats.Tar;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cryo.CommandLine;

namespace Cryo.Kubectl;

/// <summary>
/// <c>kubectl cryo import FILE.tar [--name N] [--node N]</c>: a container checkpoint archive in the kubelet's layout (one
/// the kubelet's <c>/checkpoint</c> endpoint had CRI-O or containerd write, or <c>kubectl cryo export</c>) becomes a
/// Checkpoint that Restores restore into new pods. It creates the Checkpoint (<c>spec.import.nodeName</c>), streams the
/// archive to the agent on that node (<c>cryo import -</c> through <c>pods/exec</c>), and marks the Checkpoint so the
/// operator records it at once. A refused archive deletes the Checkpoint again.
/// </summary>
public static class ImportVerb
{
    /// <summary>One line of usage.</summary>
    public const string Usage = "kubectl cryo import FILE.tar [--name NAME] [--node NODE] [--agent-namespace NS] [--wait]   (- reads standard input)";

    /// <summary>Options taking a value.</summary>
    public static readonly string[] Options = ["--name", "--node", "--agent-namespace"];

    /// <summary>Flags.</summary>
    public static readonly string[] Flags = ["--wait"];

    /// <summary>How long the operator waits for the archive after the Checkpoint is created (the CRD's maximum timeoutSeconds).</summary>
    public const int ArrivalTimeoutSeconds = 3600;

    /// <summary>Imports the archive.</summary>
    public static async Task<int> RunAsync(ArchiveVerbArgs args, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);
        var source = args.Parsed.SinglePositional("archive file (or - for standard input)");
        if (source != "-" && !File.Exists(source))
        {
            throw new UsageException($"no archive at {source}: give the .tar file the kubelet's /checkpoint or 'kubectl cryo export' wrote");
        }

        var described = source == "-" ? new ArchiveMetadata(null, null) : await ArchiveMetadata.ReadAsync(source, context.CancellationToken);
        var node = args.Parsed.Value("--node") ?? await AgentPods.AnyNodeAsync(context.Cluster, args.AgentNamespace, context.CancellationToken);
        var pod = await AgentPods.OnNodeAsync(context.Cluster, args.AgentNamespace, node, context.CancellationToken);
        var spec = new JsonObject
        {
            ["podName"] = described.PodName ?? "imported",
            ["import"] = new JsonObject { ["nodeName"] = node },
            ["timeoutSeconds"] = ArrivalTimeoutSeconds,
        };
        if (described.ContainerName is { } container)
        {
            spec["containerName"] = container;
        }

        var created = await context.Objects.CreateAsync(CryoKinds.Checkpoint, context.Namespace,
            NewObject.Of(CryoKinds.Checkpoint, args.Parsed.Value("--name"), $"{described.PodName ?? "imported"}-", spec), context.CancellationToken);
        var name = Json.String(created, "metadata", "name") ?? "";
        var uid = Json.String(created, "metadata", "uid") ?? "";
        (int ExitCode, string Error) result;
        await using (var input = source == "-" ? null : new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
        {
            result = await AgentPods.ExecAsync(context.Cluster, pod, ["cryo", "import", "-", "--name", name, "--namespace", context.Namespace, "--uid", uid],
                input ?? args.StandardInput(), Stream.Null, context.CancellationToken);
        }

        if (result.ExitCode != 0)
        {
            await context.Objects.DeleteAsync(CryoKinds.Checkpoint, context.Namespace, name, CancellationToken.None);
            throw new CommandRefusedException($"the agent on node {node} refused the archive (cryo import exited {result.ExitCode}): {ExportVerb.FirstLine(result.Error)}; " +
                                              $"{CryoKinds.Checkpoint.Qualified(name)} was deleted again");
        }

        await context.Objects.MergePatchAsync(CryoKinds.Checkpoint, context.Namespace, name,
            new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [CryoKindsAnnotations.ArchiveImported] = DateTimeOffset.UtcNow.ToString("o") } } },
            context.CancellationToken);
        if (!args.Parsed.Flag("--wait"))
        {
            context.Print(created, o => o.WriteLine($"{CryoKinds.Checkpoint.Qualified(name)} imported into node {node}"));
            return ExitCodes.Success;
        }

        var finished = await Waiting.ForAsync(context, CryoKinds.Checkpoint, name, $"import {context.Namespace}/{name}");
        return Waiting.Report(context, CryoKinds.Checkpoint, name, finished,
            c => $"{(Json.Long(c, "status", "sizeBytes") is { } bytes ? Units.Bytes(bytes) : "?")} on node {Json.String(c, "status", "nodeName") ?? node}");
    }

    /// <summary>What the archive says of its pod, read locally: the names the Checkpoint gets.</summary>
    private sealed record ArchiveMetadata(string? PodName, string? ContainerName)
    {
        public static async Task<ArchiveMetadata> ReadAsync(string path, CancellationToken cancellationToken)
        {
            string? pod = null, container = null;
            try
            {
                await using var file = File.OpenRead(path);
                await using var reader = new TarReader(file);
                while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
                {
                    var entryName = entry.Name.TrimStart('.', '/');
                    if (entryName is not ("spec.dump" or "config.dump") || entry.DataStream is null || entry.Length > 16 << 20)
                    {
                        continue;
                    }

                    var document = await JsonNode.ParseAsync(entry.DataStream, cancellationToken: cancellationToken);
                    if (entryName == "spec.dump")
                    {
                        pod = Label(Json.String(document, "annotations", "io.kubernetes.pod.name"), 253) ?? pod;
                        container = Label(Json.String(document, "annotations", "io.kubernetes.container.name"), 63) ?? container;
                    }
                    else
                    {
                        container ??= Label(Json.String(document, "name"), 63);
                    }
                }
            }
            catch (Exception e) when (e is InvalidDataException or JsonException or FormatException)
            {
                throw new UsageException($"{path} is not a checkpoint archive (an uncompressed tar with config.dump and spec.dump): {e.Message}");
            }

            return new ArchiveMetadata(pod, container);
        }

        // A name Kubernetes takes as it is (lowercase letters, digits, '-', '.'), else none.
        private static string? Label(string? value, int max) =>
            value is { Length: > 0 } v && v.Length <= max && v.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.')
            && char.IsAsciiLetterOrDigit(v[0]) && char.IsAsciiLetterOrDigit(v[^1]) && (max > 63 || !v.Contains('.', StringComparison.Ordinal))
                ? v
                : null;
    }
}
