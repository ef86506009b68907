using System.Diagnostics;
using Cryo.Agent.Operations;

namespace Cryo.Bench.Agent;

/// <summary>
/// Passes calls to the real engines and remembers when the last call entered and left them: for a call
/// through the API, the time outside those marks is exactly what the service added (transport, validation,
/// registry, gate, progress stream, result), free of the engines' own variation.
/// </summary>
public sealed class TimingEngines(ICheckpointEngine checkpoints, IRestoreEngine restores) : ICheckpointEngine, IRestoreEngine
{
    /// <summary>Stopwatch timestamps of the last call's entry into and return from an engine.</summary>
    public long LastEntered { get; private set; }

    public long LastExited { get; private set; }

    public async Task<CheckpointOutcome> CheckpointAsync(CheckpointCommand command, IProgress<CheckpointStage> progress, CancellationToken cancellationToken)
    {
        LastEntered = Stopwatch.GetTimestamp();
        try
        {
            return await checkpoints.CheckpointAsync(command, progress, cancellationToken);
        }
        finally
        {
            LastExited = Stopwatch.GetTimestamp();
        }
    }

    public async Task<RestoreOutcome> RestoreAsync(RestoreCommand command, CancellationToken cancellationToken)
    {
        LastEntered = Stopwatch.GetTimestamp();
        try
        {
            return await restores.RestoreAsync(command, cancellationToken);
        }
        finally
        {
            LastExited = Stopwatch.GetTimestamp();
        }
    }
}
