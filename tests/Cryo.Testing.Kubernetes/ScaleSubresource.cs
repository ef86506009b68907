namespace Cryo.Testing.Kubernetes;

/// <summary>
/// A custom resource's scale subresource as its CRD declares it (<c>subresources.scale</c>): where in the object the
/// autoscaling/v1 Scale's spec.replicas, status.replicas and status.selector live. Paths are simple JSON paths
/// (<c>.spec.replicas</c>).
/// </summary>
/// <param name="SpecReplicasPath">Under .spec; written by a scale update.</param>
/// <param name="StatusReplicasPath">Under .status; read as status.replicas (0 when absent).</param>
/// <param name="LabelSelectorPath">Under .spec or .status; read as status.selector (omitted when absent).</param>
internal sealed record ScaleSubresource(string SpecReplicasPath, string StatusReplicasPath, string? LabelSelectorPath)
{
    /// <summary>The property names along <paramref name="path"/>.</summary>
    public static string[] Steps(string path) => path.TrimStart('.').Split('.');
}
