using System.Text.RegularExpressions;

namespace Cryo.Testing.Node;

/// <summary>The downward API fields the harness fills in (env <c>fieldRef</c> and downward API volume files).</summary>
public static partial class DownwardApi
{
    /// <summary>What the kubelet knows about the pod when it resolves a field.</summary>
    /// <param name="Plan">The pod.</param>
    /// <param name="PodIp">The sandbox's IP.</param>
    /// <param name="NodeName">The node's name.</param>
    /// <param name="HostIp">The node's address.</param>
    public sealed record Context(PodPlan Plan, string PodIp, string NodeName, string HostIp);

    /// <summary><see langword="true"/> for metadata and spec fields.</summary>
    public static bool Supports(string fieldPath) =>
        fieldPath is "metadata.name" or "metadata.namespace" or "metadata.uid" or "metadata.labels" or "metadata.annotations"
            or "spec.nodeName" or "spec.serviceAccountName"
        || KeyedField().IsMatch(fieldPath);

    /// <summary><see langword="true"/> for the status fields available to env only.</summary>
    public static bool IsStatus(string fieldPath) => fieldPath is "status.podIP" or "status.podIPs" or "status.hostIP" or "status.hostIPs";

    /// <summary>The field's value, as the kubelet renders it.</summary>
    public static string Value(string fieldPath, Context context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var meta = context.Plan.Pod.Metadata;
        var keyed = KeyedField().Match(fieldPath);
        if (keyed.Success)
        {
            var map = keyed.Groups[1].Value == "labels" ? meta.Labels : meta.Annotations;
            return map?.TryGetValue(keyed.Groups[2].Value, out var value) == true ? value : "";
        }

        return fieldPath switch
        {
            "metadata.name" => meta.Name,
            "metadata.namespace" => meta.NamespaceProperty,
            "metadata.uid" => meta.Uid,
            "metadata.labels" => FormatMap(meta.Labels),
            "metadata.annotations" => FormatMap(meta.Annotations),
            "spec.nodeName" => context.NodeName,
            "spec.serviceAccountName" => context.Plan.Pod.Spec.ServiceAccountName ?? "default",
            "status.podIP" or "status.podIPs" => context.PodIp,
            "status.hostIP" or "status.hostIPs" => context.HostIp,
            _ => throw new NotSupportedException($"downward API field {fieldPath} is not supported by the node harness"),
        };
    }

    // A whole map in a volume file: one key="value" line per entry, sorted by key.
    private static string FormatMap(IDictionary<string, string>? map) =>
        string.Join('\n', (map ?? new Dictionary<string, string>()).OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => $"{e.Key}=\"{e.Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}\""));

    [GeneratedRegex(@"^metadata\.(labels|annotations)\['([^']+)'\]$")]
    private static partial Regex KeyedField();
}
