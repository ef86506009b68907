using Cryo.Contracts.Agent.V1;
using Grpc.Net.Client;

namespace Cryo.Agent.Transfer;

/// <summary>Open connections to one peer agent, with a transfer client on each.</summary>
public sealed class PeerChannels(IReadOnlyList<GrpcChannel> channels, IReadOnlyList<IDisposable> owned) : IDisposable
{
    /// <summary>A client per connection.</summary>
    public IReadOnlyList<CheckpointTransfer.CheckpointTransferClient> Clients { get; } = [.. channels.Select(c => new CheckpointTransfer.CheckpointTransferClient(c))];

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var channel in channels)
        {
            channel.Dispose();
        }

        foreach (var item in owned)
        {
            item.Dispose();
        }
    }
}
