namespace Cryo.Agent.Operations;

/// <summary>
/// Restores checkpoints, detached from the agent. Called once per operation ID; the token is cancelled at
/// the deadline or at shutdown. A failed restore leaves the checkpoint intact and no stray processes.
/// </summary>
public interface IRestoreEngine
{
    /// <summary>Verifies and restores the checkpoint named by <paramref name="command"/>.</summary>
    /// <param name="command">What to restore, validated.</param>
    /// <param name="cancellationToken">Cancelled at the deadline or at shutdown.</param>
    /// <returns>The restored root's PIDs and timings, once it runs.</returns>
    Task<RestoreOutcome> RestoreAsync(RestoreCommand command, CancellationToken cancellationToken);
}
