using Cryo.Agent.Operations;

namespace Cryo.Agent.Csi;

/// <summary>
/// What a placeholder volume's <c>volumeAttributes</c> (the CSI volume_context) may say. One key, <c>contents</c>,
/// whose only value today is <c>placeholder</c>; the kubelet's own <c>csi.storage.k8s.io/</c> keys (sent with
/// podInfoOnMount) are ignored. Anything else is refused, so a misspelt key fails the pod's mount with a message
/// instead of being ignored.
/// </summary>
public static class PlaceholderVolumeContext
{
    /// <summary>The key naming what the volume holds.</summary>
    public const string ContentsKey = "contents";

    /// <summary>The placeholder program (and the handoff mount point).</summary>
    public const string PlaceholderContents = "placeholder";

    private const string KubeletPrefix = "csi.storage.k8s.io/";

    /// <summary>Throws <see cref="InvalidRequestException"/> naming the first key or value that is not allowed.</summary>
    public static void Validate(IReadOnlyDictionary<string, string> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var (key, value) in context.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (key.StartsWith(KubeletPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (key != ContentsKey)
            {
                throw new InvalidRequestException($"volume_context[{key}]",
                    $"unknown volume attribute '{key}'; placeholder volumes take only '{ContentsKey}' (value '{PlaceholderContents}')");
            }

            if (value != PlaceholderContents)
            {
                throw new InvalidRequestException($"volume_context[{key}]",
                    $"'{value}' is not something this driver publishes; the only {ContentsKey} is '{PlaceholderContents}'");
            }
        }
    }
}
