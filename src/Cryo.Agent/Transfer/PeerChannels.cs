namespace Cryo.Agent.Transfer;

/// <summary>Open connections to one peer agent, each with its transfer clients.</summary>
public sealed class PeerChannels(IReadOnlyList<PeerConnection> connections, IReadOnlyList<IDisposable> owned) : IDisposable
{
    /// <summary>The connections, one a stream.</summary>
    public IReadOnlyList<PeerConnection> Connections { get; } = connections;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var item in owned)
        {
            item.Dispose();
        }
    }
}
