using Cryo.CommandLine;

namespace Cryo.Kubectl;

/// <summary>
/// <c>kubectl cryo export CHECKPOINT -o FILE.tar</c>: the checkpoint in the archive layout the kubelet's checkpoint API
/// produces (the one checkpointctl reads, and CRI-O and containerd restore from), written by the agent on the
/// checkpoint's node (<c>cryo export</c> through <c>pods/exec</c>). The file appears only once complete.
/// </summary>
public static class ExportVerb
{
    /// <summary>One line of usage.</summary>
    public const string Usage = "kubectl cryo export CHECKPOINT -o FILE.tar [--agent-namespace NS]   (the kubelet's checkpoint archive; -o - writes standard output)";

    /// <summary>Options taking a value.</summary>
    public static readonly string[] Options = ["--agent-namespace"];

    /// <summary>Writes the archive.</summary>
    public static async Task<int> RunAsync(ArchiveVerbArgs args, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);
        var name = args.Parsed.SinglePositional("checkpoint's name");
        var file = args.Parsed.Value("--output") ?? throw new UsageException("-o FILE.tar is required: where to write the archive (- for standard output)");
        var checkpoint = await context.Objects.GetAsync(CryoKinds.Checkpoint, context.Namespace, name, context.CancellationToken)
            ?? throw new CommandRefusedException($"{CryoKinds.Checkpoint.Qualified(name)} not found in namespace {context.Namespace}");
        if (Json.String(checkpoint, "status", "phase") != "Succeeded" || Json.String(checkpoint, "status", "nodeName") is not { Length: > 0 } node)
        {
            throw new CommandRefusedException($"{CryoKinds.Checkpoint.Qualified(name)} has not succeeded (phase {Json.String(checkpoint, "status", "phase") ?? "Pending"}): there are no images to export yet");
        }

        var pod = await AgentPods.OnNodeAsync(context.Cluster, args.AgentNamespace, node, context.CancellationToken);
        var partial = file == "-" ? null : file + ".partial";
        long bytes;
        (int ExitCode, string Error) result;
        try
        {
            await using (var output = partial is null ? null : new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                var target = output ?? args.StandardOutput();
                result = await AgentPods.ExecAsync(context.Cluster, pod, ["cryo", "export", name, "--namespace", context.Namespace], null, target, context.CancellationToken);
                await target.FlushAsync(context.CancellationToken);
                bytes = output?.Length ?? 0;
            }

            if (result.ExitCode != 0)
            {
                throw new CommandRefusedException($"cryo export in agent pod {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name} exited {result.ExitCode}: {FirstLine(result.Error)}");
            }

            if (partial is not null)
            {
                File.Move(partial, file, overwrite: true);
            }
        }
        catch
        {
            if (partial is not null)
            {
                File.Delete(partial);
            }

            throw;
        }

        if (partial is not null)
        {
            await context.Error.WriteLineAsync($"exported {CryoKinds.Checkpoint.Qualified(name)} from node {node} to {file} ({Units.Bytes(bytes)})");
        }

        return ExitCodes.Success;
    }

    /// <summary>The first line of a command's error output.</summary>
    public static string FirstLine(string text) => text.Trim().Split('\n', 2)[0] is { Length: > 0 } line ? line : "(no message)";
}
