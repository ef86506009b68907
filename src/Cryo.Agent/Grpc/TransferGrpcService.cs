using Cryo.Agent.Metrics;
using Cryo.Agent.Transfer;
using Cryo.Contracts.Agent.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Cryo.Agent.Grpc;

/// <summary>
/// Serves committed checkpoints to other agents (<c>CheckpointTransfer</c> in <c>agent.proto</c>): validate,
/// stream what <see cref="CheckpointSender"/> reads, map each part. Errors go through <see cref="ErrorMappingInterceptor"/>.
/// </summary>
public sealed class TransferGrpcService(RequestValidator validator, CheckpointSender sender, AgentMetrics metrics) : CheckpointTransfer.CheckpointTransferBase
{
    /// <inheritdoc />
    public override async Task FetchCheckpoint(FetchCheckpointRequest request, IServerStreamWriter<CheckpointPart> responseStream, ServerCallContext context)
    {
        var (ns, name) = validator.Ref(request.Checkpoint, "checkpoint");
        await foreach (var part in sender.SendAsync(ns, name, request.StartPath, request.StartOffset, request.Length, request.ManifestOnly, context.CancellationToken))
        {
            // Wrapped, not copied: WriteAsync serializes the message into the response before it returns, and
            // only then does the sender read the next chunk into its buffer.
            await responseStream.WriteAsync(part.Manifest is { } manifest
                ? new CheckpointPart { Manifest = UnsafeByteOperations.UnsafeWrap(manifest) }
                : new CheckpointPart { Chunk = new FileChunk { Path = part.Path, Offset = part.Offset, Data = UnsafeByteOperations.UnsafeWrap(part.Data) } },
                context.CancellationToken);
            metrics.TransferSent(part.Data.Length);
        }
    }
}
