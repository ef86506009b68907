using Cryo.Agent.Operations;

namespace Cryo.Agent.Hosting;

/// <summary>
/// Answers /readyz: ready when CRIU is usable (found, new enough, <c>criu check</c> passes) and the
/// store's root is writable.
/// </summary>
public sealed class ReadinessProbe(CriuMonitor criu, ICheckpointCatalog catalog)
{
    /// <summary>Whether the agent can take and restore checkpoints now, with the reasons it cannot.</summary>
    public async Task<(bool Ready, IReadOnlyList<string> Problems)> CheckAsync(CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var state = await criu.GetStateAsync(cancellationToken);
        if (!state.Usable)
        {
            problems.Add(state.Problem);
        }

        var probe = Path.Combine(catalog.RootPath, $".readyz-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            await File.WriteAllBytesAsync(probe, [1], cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problems.Add($"the store {catalog.RootPath} is not writable: {ex.Message}");
        }
        finally
        {
            File.Delete(probe);
        }

        return (problems.Count == 0, problems);
    }
}
