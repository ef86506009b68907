using Cryo.CommandLine;
using Cryo.Contracts.Agent.V1;

namespace Cryo.Cli;

/// <summary><c>cryo restore NAME [--into-pid N | --into-container ID] [--lazy]</c>.</summary>
public static class RestoreVerb
{
    /// <summary>Options taking a value.</summary>
    public static readonly string[] Options = ["--into-pid", "--into-container", "--timeout", "--operation-id"];

    /// <summary>Flags.</summary>
    public static readonly string[] Flags = ["--lazy"];

    /// <summary>One line of help.</summary>
    public const string Usage = "cryo restore NAME [--namespace NS] [--into-pid N | --into-container ID] [--timeout SECONDS] [--lazy]";

    /// <summary>Builds the request from the command line.</summary>
    public static RestoreRequest ToRequest(ParsedArguments args, string @namespace)
    {
        var request = new RestoreRequest
        {
            OperationId = args.Value("--operation-id") ?? Guid.NewGuid().ToString(),
            Checkpoint = new CheckpointRef { Namespace = @namespace, Name = args.SinglePositional("checkpoint name") },
            TimeoutSeconds = (uint)(args.PositiveInt("--timeout") ?? 0),
            Lazy = args.Flag("--lazy"),
        };
        switch (args.PositiveInt("--into-pid"), args.Value("--into-container"))
        {
            case (null, null):
                request.NewPidNamespace = new NewPidNamespaceTarget();
                break;
            case ({ } pid, null):
                request.Container = new ContainerTarget { Pid = pid };
                break;
            case (null, { } container):
                request.Container = new ContainerTarget { ContainerId = container };
                break;
            default:
                throw new UsageException("give --into-pid or --into-container, not both");
        }

        return request;
    }

    /// <summary>Restores and prints the restored tree's PIDs.</summary>
    public static async Task<int> RunAsync(ParsedArguments args, CliContext context)
    {
        var request = ToRequest(args, context.Namespace);
        RestoreResponse response;
        using (new ProgressLine(context.Error, $"restore {request.Checkpoint.Namespace}/{request.Checkpoint.Name}", "restoring"))
        {
            response = await context.Agent.RestoreAsync(request, context.OperationCall(request.TimeoutSeconds));
        }

        context.Print(response, o =>
        {
            o.WriteLine(
                $"restored {response.Checkpoint.Namespace}/{response.Checkpoint.Name}: host PID {response.HostPid}, PID {response.NamespacePid} in its namespace " +
                $"(verify {Units.Millis(response.Timings.VerifyMs)}, restore {Units.Millis(response.Timings.RestoreMs)}, total {Units.Millis(response.Timings.TotalMs)}; node {response.NodeName})");
            if (StepsLine(response.Timings) is { } steps)
            {
                o.WriteLine(steps);
            }
            if (response.Lazy)
            {
                o.WriteLine("memory: served lazily by criu lazy-pages (the rest arrives in the background)");
            }
            else if (response.LazyFallbackReason.Length > 0)
            {
                o.WriteLine($"memory: {response.LazyFallbackReason}");
            }
        });
        return 0;
    }

    /// <summary>
    /// Where the restore's time went on the node, step by step; null from an agent that does not report steps (every
    /// step zero: the target's resolution alone takes a millisecond or more).
    /// </summary>
    public static string? StepsLine(RestoreTimings timings)
    {
        ArgumentNullException.ThrowIfNull(timings);
        if (timings.TargetMs + timings.PrepareMs + timings.HandoffMs + timings.FilesMs == 0)
        {
            return null;
        }
        return $"steps: target {Units.Millis(timings.TargetMs)}, prepare {Units.Millis(timings.PrepareMs)}, CRIU {Units.Millis(timings.RestoreMs)} " +
            $"(held {Units.Millis(timings.FilesWaitMs)} for the files, {Units.Millis(timings.VerifyWaitMs)} at post-restore for the verification), " +
            $"handoff {Units.Millis(timings.HandoffMs)}; beside CRIU: files {Units.Millis(timings.FilesMs)}, verify {Units.Millis(timings.VerifyMs)}";
    }
}
