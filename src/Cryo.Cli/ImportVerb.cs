using Cryo.CommandLine;
using Cryo.Contracts.Agent.V1;
using Google.Protobuf;

namespace Cryo.Cli;

/// <summary>
/// <c>cryo import FILE --name NAME</c>: a checkpoint archive in the kubelet's layout (one the kubelet's
/// <c>/checkpoint</c> endpoint wrote, or <c>cryo export</c>) into this node's store, from FILE or standard input (<c>-</c>).
/// </summary>
public static class ImportVerb
{
    /// <summary>Options taking a value.</summary>
    public static readonly string[] Options = ["--name", "--uid"];

    /// <summary>One line of help.</summary>
    public const string Usage = "cryo import (FILE | -) --name NAME [--namespace NS] [--uid UID]   (a kubelet checkpoint archive, .tar; - reads standard input)";

    private const int ChunkBytes = 1024 * 1024;

    /// <summary>Streams the archive to the agent and prints what it committed.</summary>
    public static async Task<int> RunAsync(ParsedArguments args, CliContext context)
    {
        var source = args.SinglePositional("archive file (or - for standard input)");
        var name = args.Value("--name") ?? throw new UsageException("--name is required: what to call the imported checkpoint");
        // The Checkpoint object's UID when the plugin imports for one; a fresh one for a checkpoint of the node alone.
        var uid = args.Value("--uid") ?? Guid.NewGuid().ToString();
        await using var file = source == "-" ? null : OpenArchive(source);
        var input = file ?? context.StandardInput();
        using var call = context.Archives.ImportCheckpoint(deadline: CliContext.Transfer(), cancellationToken: context.CancellationToken);
        await call.RequestStream.WriteAsync(new ImportCheckpointRequest
        {
            Target = new ImportTarget { OperationId = uid, Checkpoint = new CheckpointRef { Namespace = context.Namespace, Name = name } },
        }, context.CancellationToken);
        var buffer = new byte[ChunkBytes];
        try
        {
            int read;
            while ((read = await input.ReadAsync(buffer, context.CancellationToken)) > 0)
            {
                await call.RequestStream.WriteAsync(new ImportCheckpointRequest { Data = ByteString.CopyFrom(buffer, 0, read) }, context.CancellationToken);
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (Grpc.Core.RpcException)
        {
            // The agent refused the archive before it was all sent: its answer, awaited below, says why.
        }

        var response = await call.ResponseAsync;
        context.Print(response, o =>
        {
            var s = response.Summary;
            o.WriteLine($"imported {s.Checkpoint.Namespace}/{s.Checkpoint.Name} at {s.Location} ({Units.Bytes(s.SizeBytes)}, {s.ProcessCount} processes, " +
                        $"{(response.ImportedFrom == "cryo-export" ? "exported by Cryo" : "a runtime's checkpoint archive")})");
            if (s.Pod.PodName.Length > 0 || s.Pod.ContainerName.Length > 0)
            {
                o.WriteLine($"it was pod {s.Pod.PodName}, container {s.Pod.ContainerName}, image {s.Pod.Image}");
            }

            if (response.IgnoredEntries.Count > 0)
            {
                o.WriteLine($"not kept (a restore does not need them): {string.Join(", ", response.IgnoredEntries)}");
            }
        });
        return ExitCodes.Success;
    }

    private static FileStream OpenArchive(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (FileNotFoundException)
        {
            throw new UsageException($"no archive at {path}: give the .tar file to import, or - for standard input");
        }
    }
}
