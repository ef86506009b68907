using System.Diagnostics;
using Cryo.Agent.Metrics;
using Cryo.Agent.Operations;
using Cryo.Agent.Store;
using Grpc.Core;

namespace Cryo.Agent.Grpc;

/// <summary>
/// Runs one checkpoint or restore for the registry: checks the store for an earlier result, waits for a
/// slot under the parallel limit, calls the engine with the operation's deadline, and counts the result.
/// A caller that goes away does not cancel the work. When the agent stops, operations still waiting for a
/// slot are refused at once, and running ones finish unless the shutdown timeout runs out (<see cref="OperationDrain"/>).
/// </summary>
public sealed class OperationRunner(
    ICheckpointEngine checkpointEngine,
    IRestoreEngine restoreEngine,
    ICheckpointCatalog catalog,
    OperationGate gate,
    AgentMetrics metrics,
    OperationDrain drain,
    IHostApplicationLifetime lifetime)
{
    /// <summary>Checkpoints once for this operation, reporting stages to <paramref name="operation"/>.</summary>
    public async Task<CheckpointOutcome> CheckpointAsync(CheckpointCommand command, TrackedOperation<CheckpointOutcome> operation)
    {
        var stopping = lifetime.ApplicationStopping;
        var existing = await catalog.FindAsync(command.Namespace, command.Name, stopping);
        if (existing is not null)
        {
            // Committed earlier (perhaps before a restart of the agent): answer, never dump twice.
            return existing.Key.Uid == command.OperationId
                ? ProtoMapper.ToOutcome(existing)
                : throw new CheckpointAlreadyExistsException(existing.Key);
        }

        operation.ReportStage(CheckpointStage.Queued);
        return await RunAsync(OperationKind.Checkpoint, $"checkpoint {command.Namespace}/{command.Name}", command.Timeout, async token =>
        {
            var outcome = await checkpointEngine.CheckpointAsync(command, operation, token);
            metrics.CheckpointCommitted(outcome.Freeze, outcome.Dump, outcome.SizeBytes);
            return outcome;
        });
    }

    /// <summary>Restores once for this operation.</summary>
    public Task<RestoreOutcome> RestoreAsync(RestoreCommand command) =>
        RunAsync(OperationKind.Restore, $"restore of {command.Namespace}/{command.Name}", command.Timeout, async token =>
        {
            var outcome = await restoreEngine.RestoreAsync(command, token);
            metrics.RestoreCompleted(outcome.Restore);
            return outcome;
        });

    private async Task<T> RunAsync<T>(OperationKind kind, string what, TimeSpan timeout, Func<CancellationToken, Task<T>> body)
    {
        var stopping = lifetime.ApplicationStopping;
        IDisposable slot;
        try
        {
            slot = await gate.EnterAsync(stopping);
        }
        catch (OperationCanceledException ex)
        {
            throw new TransientAgentException($"{what}: the agent is shutting down", TimeSpan.FromSeconds(5), ex);
        }

        using (slot)
        using (drain.Enter())
        {
            var clock = Stopwatch.StartNew();
            stopping = drain.HardStop;
            using var deadline = new CancellationTokenSource(timeout);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, stopping);
            try
            {
                var result = await body(linked.Token);
                metrics.OperationFinished(kind, StatusCode.OK, clock.Elapsed);
                return result;
            }
            catch (OperationCanceledException ex) when (deadline.IsCancellationRequested && !stopping.IsCancellationRequested)
            {
                var timedOut = new OperationTimedOutException(what, timeout, ex);
                metrics.OperationFinished(kind, StatusMapper.Classify(timedOut), clock.Elapsed);
                throw timedOut;
            }
            catch (OperationCanceledException ex) when (stopping.IsCancellationRequested)
            {
                var stopped = new TransientAgentException($"{what} was interrupted: the agent is shutting down", TimeSpan.FromSeconds(5), ex);
                metrics.OperationFinished(kind, StatusMapper.Classify(stopped), clock.Elapsed);
                throw stopped;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                metrics.OperationFinished(kind, StatusMapper.Classify(ex), clock.Elapsed);
                throw;
            }
        }
    }
}
