using Cryo.CommandLine;
using k8s;

namespace Cryo.Kubectl;

/// <summary><c>kubectl cryo logs RESTORE</c>: the logs of the pod a Restore restored into, of the restored container.</summary>
public static class LogsVerb
{
    /// <summary>One line of usage.</summary>
    public const string Usage = "kubectl cryo logs RESTORE [-f] [--tail N]";

    /// <summary>Options taking a value.</summary>
    public static readonly string[] Options = ["--tail"];

    /// <summary>Flags.</summary>
    public static readonly string[] Flags = ["--follow"];

    /// <summary>Copies the container's log to standard output (and goes on with -f).</summary>
    public static async Task<int> RunAsync(ParsedArguments args, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);
        var name = args.SinglePositional("restore's name");
        var token = context.CancellationToken;
        var restore = await context.ExistingAsync(CryoKinds.Restore, name);
        var podName = Json.String(restore, "status", "podName")
            ?? throw new CommandRefusedException($"restore {context.Namespace}/{name} has no pod yet ({Waiter.Describe(restore)})");
        var pod = await context.Cluster.Client.CoreV1.ReadNamespacedPodAsync(podName, context.Namespace, cancellationToken: token);
        var container = pod.Metadata.Annotations?.TryGetValue(CryoKinds.PlaceholderContainerAnnotation, out var annotated) == true
            ? annotated
            : pod.Spec.Containers[0].Name;
        await using var log = await context.Cluster.Client.CoreV1.ReadNamespacedPodLogAsync(podName, context.Namespace, container,
            follow: args.Flag("--follow"), tailLines: args.PositiveInt("--tail"), cancellationToken: token);
        using var reader = new StreamReader(log);
        var buffer = new char[8192];
        int read;
        while ((read = await reader.ReadAsync(buffer, token)) > 0)
        {
            await context.Out.WriteAsync(buffer.AsMemory(0, read), token);
            await context.Out.FlushAsync(token);
        }

        return ExitCodes.Success;
    }
}
