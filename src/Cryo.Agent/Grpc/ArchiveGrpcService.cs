using System.Buffers;
using System.IO.Pipelines;
using Cryo.Agent.Hosting;
using Cryo.Agent.Interop;
using Cryo.Agent.Operations;
using Cryo.Agent.Store;
using Cryo.Contracts.Agent.V1;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Cryo.Agent.Grpc;

/// <summary>
/// Exports and imports checkpoints in the kubelet's checkpoint archive layout (<c>CheckpointArchive</c> in
/// <c>agent.proto</c>): validate, run <see cref="CheckpointExporter"/> or <see cref="CheckpointImporter"/> over a pipe
/// between the archive and the gRPC stream, map the result. Errors go through <see cref="ErrorMappingInterceptor"/>.
/// </summary>
public sealed class ArchiveGrpcService(RequestValidator validator, ImageStore store, IOptions<AgentOptions> options) : CheckpointArchive.CheckpointArchiveBase
{
    /// <summary>Bytes per archive chunk: under gRPC's 4 MiB message limit.</summary>
    public const int ChunkBytes = 1024 * 1024;

    // Enough buffered to keep the writer busy while a chunk is on the wire, little enough to bound memory.
    private static readonly PipeOptions Buffering = new(pauseWriterThreshold: 4 * ChunkBytes, resumeWriterThreshold: 2 * ChunkBytes);

    /// <inheritdoc />
    public override async Task ExportCheckpoint(ExportCheckpointRequest request, IServerStreamWriter<ArchiveChunk> responseStream, ServerCallContext context)
    {
        var (ns, name) = validator.Ref(request.Checkpoint, "checkpoint");
        var checkpoint = store.FindByName(ns, name).MaxBy(c => c.Manifest.CreatedAt) ?? throw new CheckpointNotFoundException(ns, name);
        var pipe = new Pipe(Buffering);
        var writing = WriteArchiveAsync(checkpoint, pipe.Writer, context.CancellationToken);
        while (true)
        {
            var read = await pipe.Reader.ReadAsync(context.CancellationToken);
            var buffer = read.Buffer;
            while (buffer.Length > 0)
            {
                var chunk = buffer.Slice(0, Math.Min(buffer.Length, ChunkBytes));
                await responseStream.WriteAsync(new ArchiveChunk { Data = ByteString.CopyFrom(chunk.ToArray()) }, context.CancellationToken);
                buffer = buffer.Slice(chunk.End);
            }

            pipe.Reader.AdvanceTo(buffer.End);
            if (read.IsCompleted)
            {
                break;
            }
        }

        await pipe.Reader.CompleteAsync();
        await writing;
    }

    /// <inheritdoc />
    public override async Task<ImportCheckpointResponse> ImportCheckpoint(IAsyncStreamReader<ImportCheckpointRequest> requestStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken) || requestStream.Current.PartCase != ImportCheckpointRequest.PartOneofCase.Target)
        {
            throw new InvalidRequestException("target", "required first: the operation_id and checkpoint the archive becomes, then the archive's bytes");
        }

        var target = requestStream.Current.Target;
        var (ns, name) = validator.Ref(target.Checkpoint, "target.checkpoint");
        if (!StoreNames.IsValidUid(target.OperationId))
        {
            throw new InvalidRequestException("target.operation_id", $"required: 1-{StoreNames.MaxUidLength} characters, lowercase letters a-z, digits and '-' (a Kubernetes UID)");
        }

        var key = new CheckpointKey(ns, name, target.OperationId);
        var pipe = new Pipe(Buffering);
        var receiving = ReceiveArchiveAsync(requestStream, pipe.Writer, context.CancellationToken);
        ImportResult result;
        try
        {
            await using var archive = pipe.Reader.AsStream();
            result = await new CheckpointImporter(store, options.Value.NodeName).ImportAsync(archive, key, context.CancellationToken);
        }
        finally
        {
            await pipe.Reader.CompleteAsync();
        }

        // Not awaited: a caller that cannot close its side (a pods/exec v4 stdin has no end) may still hold the stream
        // open; the receiver ends with the call, and the archive ended at its end-of-archive blocks.
        _ = receiving;
        var stored = result.Checkpoint;
        var response = new ImportCheckpointResponse
        {
            Summary = ProtoMapper.ToSummary(CheckpointRecord.Of(stored, store.RootDirectory)),
            ImportedFrom = result.ImportedFrom,
        };
        response.IgnoredEntries.AddRange(result.IgnoredEntries);
        return response;
    }

    private async Task WriteArchiveAsync(StoredCheckpoint checkpoint, PipeWriter writer, CancellationToken cancellationToken)
    {
        // Off the request's thread: the reader above sends while this writes.
        await Task.Yield();
        try
        {
            await using (var stream = writer.AsStream(leaveOpen: true))
            {
                await new CheckpointExporter(store).ExportAsync(checkpoint, stream, cancellationToken);
            }

            await writer.CompleteAsync();
        }
#pragma warning disable CA1031 // Not swallowed: the reader sees the failure and ends the call with it (mapped by the interceptor).
        catch (Exception e)
#pragma warning restore CA1031
        {
            await writer.CompleteAsync(e);
        }
    }

    private static async Task ReceiveArchiveAsync(IAsyncStreamReader<ImportCheckpointRequest> requestStream, PipeWriter writer, CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            while (await requestStream.MoveNext(cancellationToken))
            {
                if (requestStream.Current.PartCase != ImportCheckpointRequest.PartOneofCase.Data)
                {
                    throw new InvalidRequestException("target", "may only be the first message: the rest carry the archive's bytes");
                }

                var flushed = await writer.WriteAsync(requestStream.Current.Data.Memory, cancellationToken);
                if (flushed.IsCompleted)
                {
                    // The importer stopped reading (it refused the archive): its error is the call's.
                    return;
                }
            }

            await writer.CompleteAsync();
        }
#pragma warning disable CA1031 // Not swallowed: the importer reads it from the pipe and fails the call with it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            await writer.CompleteAsync(e);
        }
    }
}
