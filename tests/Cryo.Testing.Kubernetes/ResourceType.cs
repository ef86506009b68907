namespace Cryo.Testing.Kubernetes;

/// <summary>A resource the test API server serves: where it lives in the URL space and how it behaves.</summary>
/// <param name="Group">API group; empty for the core group.</param>
/// <param name="Version">API version within the group.</param>
/// <param name="Plural">Resource name in URLs.</param>
/// <param name="Kind">Kind of its objects.</param>
/// <param name="HasStatusSubresource">Status is written only through /status and ignored on the main resource.</param>
/// <param name="HasGeneration">metadata.generation is kept and bumped on spec changes.</param>
/// <param name="FieldSelectors">Field labels a fieldSelector may use besides metadata.name and metadata.namespace.</param>
internal sealed record ResourceType(
    string Group,
    string Version,
    string Plural,
    string Kind,
    bool HasStatusSubresource,
    bool HasGeneration,
    IReadOnlyList<string> FieldSelectors)
{
    public static readonly ResourceType Pods = new("", "v1", "pods", "Pod", true, false,
        ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "status.phase", "status.podIP"]);

    public static readonly ResourceType CoreEvents = new("", "v1", "events", "Event", false, false,
        ["involvedObject.kind", "involvedObject.name", "involvedObject.namespace", "involvedObject.uid", "reason", "type"]);

    public static readonly ResourceType Events = new("events.k8s.io", "v1", "events", "Event", false, false,
        ["regarding.kind", "regarding.name", "regarding.namespace", "regarding.uid", "reason", "type"]);

    public static readonly ResourceType Leases = new("coordination.k8s.io", "v1", "leases", "Lease", false, false, []);

    public static readonly ResourceType Checkpoints = new("cryo.io", "v1alpha1", "checkpoints", "Checkpoint", true, true, []);

    public static readonly ResourceType Restores = new("cryo.io", "v1alpha1", "restores", "Restore", true, true, []);

    public static readonly ResourceType CheckpointSchedules = new("cryo.io", "v1alpha1", "checkpointschedules", "CheckpointSchedule", true, true, []);

    /// <summary>RestoreSets, with the scale subresource their CRD declares (a test checks these paths against it).</summary>
    public static readonly ResourceType RestoreSets = new("cryo.io", "v1alpha1", "restoresets", "RestoreSet", true, true, [])
    {
        Scale = new ScaleSubresource(".spec.replicas", ".status.replicas", ".status.selector"),
    };

    public static readonly ResourceType Migrations = new("cryo.io", "v1alpha1", "migrations", "Migration", true, true, []);

    /// <summary>Nodes: cluster-scoped (no namespace in their URLs or metadata), read by a Migration choosing its target.</summary>
    public static readonly ResourceType Nodes = new("", "v1", "nodes", "Node", true, false, ["spec.unschedulable"]) { IsClusterScoped = true };

    public static IReadOnlyList<ResourceType> All { get; } = [Pods, CoreEvents, Events, Leases, Nodes, Checkpoints, Restores, CheckpointSchedules, RestoreSets, Migrations];

    /// <summary>The resource has no namespace: its objects are stored under the empty namespace and shown without one.</summary>
    public bool IsClusterScoped { get; init; }

    /// <summary>The scale subresource (autoscaling/v1 Scale), when the resource has one.</summary>
    public ScaleSubresource? Scale { get; init; }

    /// <summary>Defined by a CustomResourceDefinition (no Go type: no strategic merge patch).</summary>
    public bool IsCustom => Group == "cryo.io";

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>How the API server names the resource in messages: <c>pods</c>, <c>checkpoints.cryo.io</c>.</summary>
    public string Describe() => Group.Length == 0 ? Plural : $"{Plural}.{Group}";
}
