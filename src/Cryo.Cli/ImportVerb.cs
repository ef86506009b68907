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
        using var call = context.Archives.ImportCheckpoint(context.TransferCall());
        await call.RequestStream.WriteAsync(new ImportCheckpointRequest
        {
            Target = new ImportTarget { OperationId = uid, Checkpoint = new CheckpointRef { Namespace = context.Namespace, Name = name } },
        }, context.CancellationToken);
        // The agent answers once it has read the archive to its end-of-archive blocks: standard input need not end (a
        // kubectl exec over the v4 protocol can never close it), so the answer, not the end of input, ends the command.
        using var sending = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
#pragma warning disable CA2025 // A send left in an uncancellable console read never looks at the token again: see Stopped.
        var send = SendAsync(call.RequestStream, input, sending.Token);
#pragma warning restore CA2025
        try
        {
            await Task.WhenAny(send, call.ResponseAsync);
            var response = await call.ResponseAsync;
            Print(context, response);
        }
        finally
        {
            await sending.CancelAsync();
            await Stopped(send);
        }

        return ExitCodes.Success;
    }

    private static async Task SendAsync(Grpc.Core.IClientStreamWriter<ImportCheckpointRequest> requests, Stream input, CancellationToken cancellationToken)
    {
        var buffer = new byte[ChunkBytes];
        try
        {
            int read;
            while ((read = await input.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await requests.WriteAsync(new ImportCheckpointRequest { Data = ByteString.CopyFrom(buffer, 0, read) }, cancellationToken);
            }

            await requests.CompleteAsync();
        }
        catch (Grpc.Core.RpcException)
        {
            // The agent answered (or refused) before the archive was all sent: its answer says why.
        }
    }

    // The sender ends by cancellation once the answer is in, unless it sits in a read of a standard input that reads
    // cannot cancel (a console): then it is left behind, and the command ends without it. What it met is the answer's to tell.
    private static async Task Stopped(Task send)
    {
        await Task.WhenAny(send, Task.Delay(TimeSpan.FromSeconds(1)));
        if (send.IsFaulted)
        {
            _ = send.Exception;
        }
    }

    private static void Print(CliContext context, ImportCheckpointResponse response)
    {
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
