using System.Text.Json.Serialization;

namespace Cryo.Agent.Interop;

/// <summary>
/// <c>spec.dump</c>: the container's OCI runtime spec, of which Cryo writes and reads the parts the archive's
/// readers use: the process, the root, the host name, the mounts and the <c>io.kubernetes.*</c> annotations that
/// name the pod, its namespace and the container.
/// </summary>
public sealed class RuntimeSpecDump
{
    /// <summary>The pod's name.</summary>
    public const string PodNameAnnotation = "io.kubernetes.pod.name";

    /// <summary>The pod's namespace.</summary>
    public const string PodNamespaceAnnotation = "io.kubernetes.pod.namespace";

    /// <summary>The pod's UID.</summary>
    public const string PodUidAnnotation = "io.kubernetes.pod.uid";

    /// <summary>The container's name in the pod.</summary>
    public const string ContainerNameAnnotation = "io.kubernetes.container.name";

    /// <summary>CRI-O's record of the image the container runs.</summary>
    public const string CriOImageNameAnnotation = "io.kubernetes.cri-o.ImageName";

    /// <summary>The OCI runtime spec version.</summary>
    [JsonPropertyName("ociVersion")]
    public string OciVersion { get; set; } = "1.0.2";

    /// <summary>The container's process.</summary>
    [JsonPropertyName("process")]
    public RuntimeSpecProcess? Process { get; set; }

    /// <summary>The root filesystem.</summary>
    [JsonPropertyName("root")]
    public RuntimeSpecRoot? Root { get; set; }

    /// <summary>The UTS host name.</summary>
    [JsonPropertyName("hostname")]
    public string? Hostname { get; set; }

    /// <summary>The container's mounts, in order.</summary>
    [JsonPropertyName("mounts")]
    public List<RuntimeSpecMount>? Mounts { get; set; }

    /// <summary>Annotations, the <c>io.kubernetes.*</c> ones among them.</summary>
    [JsonPropertyName("annotations")]
    public Dictionary<string, string>? Annotations { get; set; }

    /// <summary>The annotation's value, or an empty string.</summary>
    public string Annotation(string key) => Annotations?.GetValueOrDefault(key) ?? string.Empty;
}
