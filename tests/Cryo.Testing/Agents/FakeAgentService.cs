using Cryo.Contracts.Agent.V1;

namespace Cryo.Testing.Agents;

/// <summary>The generated gRPC service base over the fake engine: thin, like the real agent's service.</summary>
public sealed class FakeAgentService(FakeAgentEngine engine) : AgentService.AgentServiceBase
{
    /// <inheritdoc/>
    public override async Task Checkpoint(CheckpointRequest request, IServerStreamWriter<CheckpointEvent> responseStream, ServerCallContext context)
    {
        await responseStream.WriteAsync(new CheckpointEvent
        {
            Progress = new CheckpointProgress { Stage = CheckpointStage.Resolving, Message = $"resolving {request.ContainerId}" },
        }, context.CancellationToken);
        var result = await engine.CheckpointAsync(request).WaitAsync(context.CancellationToken);
        await responseStream.WriteAsync(new CheckpointEvent { Result = result }, context.CancellationToken);
    }

    /// <inheritdoc/>
    public override Task<RestoreResponse> Restore(RestoreRequest request, ServerCallContext context) =>
        engine.RestoreAsync(request).WaitAsync(context.CancellationToken);

    /// <inheritdoc/>
    public override async Task PullCheckpoint(PullCheckpointRequest request, IServerStreamWriter<PullCheckpointEvent> responseStream, ServerCallContext context)
    {
        var result = engine.Pull(request);
        await responseStream.WriteAsync(new PullCheckpointEvent
        {
            Progress = new TransferProgress { Checkpoint = request.Checkpoint, BytesVerified = result.BytesReceived, BytesTotal = result.BytesReceived },
        }, context.CancellationToken);
        await responseStream.WriteAsync(new PullCheckpointEvent { Result = result }, context.CancellationToken);
    }

    /// <inheritdoc/>
    public override Task<DeleteCheckpointResponse> DeleteCheckpoint(DeleteCheckpointRequest request, ServerCallContext context) =>
        Task.FromResult(engine.Delete(request));
}
