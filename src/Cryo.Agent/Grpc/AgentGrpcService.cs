using Cryo.Agent.Checkpointing;
using Cryo.Agent.Hosting;
using Cryo.Agent.Metrics;
using Cryo.Agent.Operations;
using Cryo.Agent.Transfer;
using Cryo.Contracts.Agent.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Cryo.Agent.Grpc;

/// <summary>
/// The agent's gRPC API: validate, call the engine (through the idempotent registry), map the result.
/// Errors are translated in one place, <see cref="ErrorMappingInterceptor"/>.
/// </summary>
public sealed class AgentGrpcService(
    RequestValidator validator,
    OperationRegistry registry,
    OperationRunner runner,
    ICheckpointCatalog catalog,
    INodeInfoProvider nodeInfo,
    OperationGate gate,
    AgentMetrics metrics,
    CriuFacts criuFacts,
    Preflight.RestorePreflight preflight,
    IOptions<AgentOptions> options,
    IServiceProvider services) : AgentService.AgentServiceBase
{
    private string NodeName => options.Value.NodeName;

    /// <inheritdoc />
    public override async Task<NodeInfo> GetNodeInfo(GetNodeInfoRequest request, ServerCallContext context)
    {
        var facts = await nodeInfo.GetNodeFactsAsync(context.CancellationToken);
        var space = catalog.GetSpace();
        var info = new NodeInfo
        {
            NodeName = NodeName,
            AgentVersion = AgentVersion.Current,
            CriuVersion = facts.CriuVersion,
            KernelRelease = facts.KernelRelease,
            StoreCapacityBytes = space.TotalBytes,
            StoreFreeBytes = space.AvailableBytes,
            StorePath = catalog.RootPath,
            MaxParallelOperations = gate.Limit,
            OperationsInFlight = registry.InFlight,
        };
        if (await criuFacts.GetCpuinfoAsync(context.CancellationToken) is { } cpuinfo)
        {
            info.Cpuinfo = Google.Protobuf.ByteString.CopyFrom(cpuinfo);
        }

        foreach (var (name, status) in facts.Capabilities)
        {
            info.Capabilities[name] = new Capability { Available = status.Available, Reason = status.Reason };
        }

        return info;
    }

    /// <inheritdoc />
    public override async Task Checkpoint(CheckpointRequest request, IServerStreamWriter<CheckpointEvent> responseStream, ServerCallContext context)
    {
        var command = validator.ToCommand(request);
        var operation = registry.GetOrStart<CheckpointOutcome>(OperationKind.Checkpoint, command.OperationId,
            RequestValidator.Fingerprint(command), op => runner.CheckpointAsync(command, op));
        await foreach (var stage in operation.WatchStages().ReadAllAsync(context.CancellationToken))
        {
            await responseStream.WriteAsync(ProtoMapper.ToEvent(stage), context.CancellationToken);
        }

        var outcome = await operation.Completion.WaitAsync(context.CancellationToken);
        await responseStream.WriteAsync(ProtoMapper.ToEvent(outcome, command.OperationId, NodeName, catalog.GetSpace()), context.CancellationToken);
    }

    /// <inheritdoc />
    public override async Task<RestoreResponse> Restore(RestoreRequest request, ServerCallContext context)
    {
        var command = validator.ToCommand(request);
        var operation = registry.GetOrStart<RestoreOutcome>(OperationKind.Restore, command.OperationId,
            RequestValidator.Fingerprint(command), _ => runner.RestoreAsync(command));
        var outcome = await operation.Completion.WaitAsync(context.CancellationToken);
        return ProtoMapper.ToResponse(outcome, command, NodeName);
    }

    /// <inheritdoc />
    public override async Task<CheckpointDetails> InspectCheckpoint(InspectCheckpointRequest request, ServerCallContext context)
    {
        var (ns, name) = validator.Ref(request.Checkpoint, "checkpoint");
        var record = await catalog.FindAsync(ns, name, context.CancellationToken)
                     ?? throw new CheckpointNotFoundException(ns, name);
        return ProtoMapper.ToDetails(record);
    }

    /// <inheritdoc />
    public override async Task<ListCheckpointsResponse> ListCheckpoints(ListCheckpointsRequest request, ServerCallContext context)
    {
        var ns = validator.NamespaceFilter(request.Namespace, "namespace");
        var records = await catalog.ListAsync(ns, context.CancellationToken);
        var response = new ListCheckpointsResponse();
        response.Checkpoints.AddRange(records.Select(ProtoMapper.ToSummary));
        return response;
    }

    /// <inheritdoc />
    public override async Task<DeleteCheckpointResponse> DeleteCheckpoint(DeleteCheckpointRequest request, ServerCallContext context)
    {
        var (ns, name) = validator.Ref(request.Checkpoint, "checkpoint");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var outcome = await catalog.DeleteAsync(ns, name, context.CancellationToken);
            metrics.OperationFinished(OperationKind.Delete, StatusCode.OK, clock.Elapsed);
            return new DeleteCheckpointResponse { Deleted = outcome.Deleted, FreedBytes = outcome.FreedBytes };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            metrics.OperationFinished(OperationKind.Delete, StatusMapper.Classify(ex), clock.Elapsed);
            throw;
        }
    }

    /// <inheritdoc />
    public override async Task PullCheckpoint(PullCheckpointRequest request, IServerStreamWriter<PullCheckpointEvent> responseStream, ServerCallContext context)
    {
        var (ns, name) = validator.Ref(request.Checkpoint, "checkpoint");
        var pulls = services.GetService<CheckpointPulls>()
            ?? throw new FeatureUnavailableException("agent-transfer", "this agent's checkpoints are not kept in an image store it could pull into");

        var latest = new LatestProgress();
        var pull = pulls.PullAsync(request.OperationId, ns, name, request.SourceAddress, request.SourceNode, latest, context.CancellationToken);
        _ = pull.ContinueWith(_ => latest.Complete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        await foreach (var progress in latest.Reader.ReadAllAsync(context.CancellationToken))
        {
            await responseStream.WriteAsync(new PullCheckpointEvent
            {
                Progress = new TransferProgress
                {
                    Checkpoint = new CheckpointRef { Namespace = progress.Checkpoint.Namespace, Name = progress.Checkpoint.Name },
                    BytesVerified = progress.BytesVerified,
                    BytesTotal = progress.BytesTotal,
                },
            }, context.CancellationToken);
        }

        var result = await pull;
        await responseStream.WriteAsync(new PullCheckpointEvent
        {
            Result = new PullCheckpointResult
            {
                Checkpoint = new CheckpointRef { Namespace = ns, Name = name },
                BytesReceived = result.BytesReceived + result.Parents.Sum(p => p.BytesReceived),
                BytesResumed = result.BytesResumed,
                AlreadyPresent = result.AlreadyPresent,
                Original = result.Original,
                ParentsPulled = result.Parents.Count,
            },
        }, context.CancellationToken);
    }

    /// <inheritdoc />
    public override async Task<PreflightResponse> Preflight(PreflightRequest request, ServerCallContext context)
    {
        var required = request.SubjectCase switch
        {
            PreflightRequest.SubjectOneofCase.Checkpoint => await RequirementsOfAsync(request, context.CancellationToken),
            PreflightRequest.SubjectOneofCase.Requirements => ProtoMapper.ToRequirements(request.Requirements),
            _ => throw new InvalidRequestException("subject", "set checkpoint (a committed checkpoint) or requirements (one not taken yet)"),
        };
        var verdict = await preflight.CheckAsync(required with { ImagePullPolicy = request.ImagePullPolicy }, context.CancellationToken);
        return ProtoMapper.ToResponse(verdict, NodeName);
    }

    private Task<Preflight.RestoreRequirements> RequirementsOfAsync(PreflightRequest request, CancellationToken cancellationToken)
    {
        var (ns, name) = validator.Ref(request.Checkpoint, "checkpoint");
        return preflight.RequirementsOfAsync(ns, name, request.SourceAddress, request.SourceNode, cancellationToken);
    }
}
