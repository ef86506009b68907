using Cryo.Agent.Hosting;
using Cryo.Contracts;
using Cryo.Contracts.Cri.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Cryo.Agent.Preflight;

/// <summary>
/// Asks the node's container runtime through its CRI socket (<see cref="AgentOptions.CriSocketPath"/>) whether an image
/// is on the node, as the kubelet does before it decides to pull (<c>ImageService.ImageStatus</c>): a restore's
/// placeholder starts from the checkpoint's image, so a missing one that may not be pulled fails the restore after the
/// source was stopped. Read-only; pulls nothing.
/// </summary>
public sealed class CriImages(IOptions<AgentOptions> options)
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Whether <paramref name="image"/> is on this node; not known when the runtime cannot be asked.</summary>
    /// <param name="image">The image reference, as the pod spec names it.</param>
    /// <param name="cancellationToken">Ends the call.</param>
    public async Task<ImagePresence> FindAsync(string image, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(image);
        var socket = options.Value.CriSocketPath;
        if (string.IsNullOrEmpty(socket) || !File.Exists(socket))
        {
            return new ImagePresence(false, false,
                $"no CRI socket at \"{socket}\" (Agent:CriSocketPath, environment Agent__CriSocketPath): set it to the node's container runtime endpoint");
        }

        using var channel = UnixSocketChannel.Create(socket);
        try
        {
            var answer = await new ImageService.ImageServiceClient(channel).ImageStatusAsync(
                new ImageStatusRequest { Image = new ImageSpec { Image = image } }, deadline: DateTime.UtcNow + CallTimeout, cancellationToken: cancellationToken);
            return answer.Image is { } found ? new ImagePresence(true, true, found.Id) : new ImagePresence(true, false, string.Empty);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            return new ImagePresence(false, false, $"the CRI at {socket} answered ImageStatus with {e.StatusCode}: {e.Status.Detail}");
        }
    }
}
