using Cryo.CommandLine;
using Cryo.Contracts.Agent.V1;
using Grpc.Core;

namespace Cryo.Cli;

/// <summary><c>cryo checkpoint (--pid N | --container ID) --name X [--stop] [--tcp-established] [--file-locks] [--skip-rootfs]</c>.</summary>
public static class CheckpointVerb
{
    /// <summary>Options taking a value.</summary>
    public static readonly string[] Options = ["--pid", "--container", "--name", "--timeout", "--parent", "--operation-id", "--compression"];

    /// <summary>Flags.</summary>
    public static readonly string[] Flags = ["--stop", "--tcp-established", "--file-locks", "--skip-rootfs"];

    /// <summary>One line of help.</summary>
    public const string Usage = "cryo checkpoint (--pid N | --container ID) --name NAME [--namespace NS] [--stop] [--tcp-established] [--file-locks] [--skip-rootfs] [--timeout SECONDS] [--parent NAME] [--compression none|zstd]";

    /// <summary>Help for the flags that are not CRIU's own (<c>--tcp-established</c> and <c>--file-locks</c> are).</summary>
    public const string FlagHelp =
        "    --skip-rootfs  checkpoint without the container's writable layer (the files it created or changed in its root);\n" +
        "                   needed when its root is not an overlay; a restore then needs a target whose root holds those files\n" +
        "    --compression zstd  store the memory page images compressed (smaller, slower to dump and restore); default none";

    /// <summary>Builds the request from the command line.</summary>
    public static CheckpointRequest ToRequest(ParsedArguments args, string @namespace)
    {
        args.NoPositionals();
        var name = args.Value("--name") ?? throw new UsageException("--name is required: what to call the checkpoint");
        var request = new CheckpointRequest
        {
            OperationId = args.Value("--operation-id") ?? Guid.NewGuid().ToString(),
            Namespace = @namespace,
            Name = name,
            Options = new CheckpointOptions
            {
                LeaveRunning = !args.Flag("--stop"),
                TcpEstablished = args.Flag("--tcp-established"),
                FileLocks = args.Flag("--file-locks"),
                SkipRootFilesystem = args.Flag("--skip-rootfs"),
                Compression = Compression(args.Value("--compression")),
            },
            TimeoutSeconds = (uint)(args.PositiveInt("--timeout") ?? 0),
            ParentCheckpoint = args.Value("--parent") ?? string.Empty,
        };
        switch (args.PositiveInt("--pid"), args.Value("--container"))
        {
            case ({ } pid, null):
                request.Pid = pid;
                break;
            case (null, { } container):
                request.ContainerId = container;
                break;
            case (null, null):
                throw new UsageException("say what to checkpoint: --pid N (a process tree's root) or --container ID");
            default:
                throw new UsageException("give --pid or --container, not both");
        }

        return request;
    }

    // Checked here too, so a typo is a usage error before anything reaches the agent.
    private static string Compression(string? value) => value switch
    {
        null or "none" => string.Empty,
        "zstd" => "zstd",
        _ => throw new UsageException($"--compression {value}: use none or zstd"),
    };

    /// <summary>Runs the checkpoint, showing progress on standard error, and prints the result.</summary>
    public static async Task<int> RunAsync(ParsedArguments args, CliContext context)
    {
        var request = ToRequest(args, context.Namespace);
        var subject = $"checkpoint {request.Namespace}/{request.Name}";
        using var progress = new ProgressLine(context.Error, subject, "starting");
        using var call = context.Agent.Checkpoint(request, context.OperationCall(request.TimeoutSeconds));
        CheckpointResult? result = null;
        await foreach (var item in call.ResponseStream.ReadAllAsync(context.CancellationToken))
        {
            if (item.EventCase == CheckpointEvent.EventOneofCase.Progress)
            {
                progress.Report(item.Progress.Message);
            }
            else if (item.EventCase == CheckpointEvent.EventOneofCase.Result)
            {
                result = item.Result;
            }
        }

        progress.Dispose();
        if (result is null)
        {
            throw new RpcException(new Status(StatusCode.Internal, "the agent ended the checkpoint without a result"));
        }

        context.Print(result, o => o.WriteLine(
            $"checkpoint {result.Checkpoint.Namespace}/{result.Checkpoint.Name} committed: {Units.Bytes(result.SizeBytes)} at {result.Location} " +
            $"(frozen {Units.Millis(result.Timings.FreezeMs)}, dump {Units.Millis(result.Timings.DumpMs)}, total {Units.Millis(result.Timings.TotalMs)}; " +
            $"{result.ProcessCount} processes; CRIU {result.CriuVersion}; node {result.NodeName})"));
        return 0;
    }
}
