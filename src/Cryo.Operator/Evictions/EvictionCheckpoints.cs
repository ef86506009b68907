using System.Text.RegularExpressions;
using Cryo.Api;
using k8s.Models;

namespace Cryo.Operator.Evictions;

/// <summary>
/// The Checkpoint a pod annotated <see cref="CryoNames.CheckpointOnEvictionAnnotation"/> gets when it is being deleted:
/// named after the pod (or <see cref="CryoNames.EvictionNamePrefixAnnotation"/>) and the pod's UID, so that each pod gets
/// one whatever happens, and a pod of the same name later gets its own.
/// </summary>
public static partial class EvictionCheckpoints
{
    private const int MaxPrefixLength = 200;

    /// <summary>Whether <paramref name="pod"/> asks for a checkpoint before it goes.</summary>
    public static bool IsRequested(V1Pod pod) =>
        pod.Metadata.Annotations is { } annotations && annotations.TryGetValue(CryoNames.CheckpointOnEvictionAnnotation, out var value) &&
        string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);

    /// <summary><c>&lt;prefix&gt;-&lt;first 8 characters of the pod's UID&gt;</c>.</summary>
    public static string Name(V1Pod pod)
    {
        var prefix = Annotation(pod, CryoNames.EvictionNamePrefixAnnotation) is { } asked && asked.Length <= MaxPrefixLength && DnsSubdomain().IsMatch(asked)
            ? asked
            : pod.Metadata.Name[..Math.Min(pod.Metadata.Name.Length, MaxPrefixLength)].TrimEnd('-', '.');
        return $"{prefix}-{pod.Metadata.Uid.Replace("-", "", StringComparison.Ordinal)[..8]}";
    }

    /// <summary>The Checkpoint of <paramref name="pod"/>'s container: leaving it running, so the pod's own shutdown is untouched.</summary>
    public static Checkpoint Build(V1Pod pod) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = Name(pod),
            NamespaceProperty = pod.Metadata.NamespaceProperty,
            Labels = new Dictionary<string, string> { [CryoNames.TriggerLabel] = "eviction" },
        },
        Spec = new CheckpointSpec
        {
            PodName = pod.Metadata.Name,
            ContainerName = Annotation(pod, CryoNames.EvictionContainerAnnotation),
            LeaveRunning = true,
        },
    };

    private static string? Annotation(V1Pod pod, string key) =>
        pod.Metadata.Annotations is { } annotations && annotations.TryGetValue(key, out var value) && value.Length > 0 ? value : null;

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();
}
