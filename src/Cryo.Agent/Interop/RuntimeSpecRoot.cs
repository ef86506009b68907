using System.Text.Json.Serialization;

namespace Cryo.Agent.Interop;

/// <summary>The <c>root</c> of an OCI runtime spec.</summary>
public sealed class RuntimeSpecRoot
{
    /// <summary>The root filesystem's path (relative to the bundle).</summary>
    [JsonPropertyName("path")]
    public string Path { get; set; } = "rootfs";
}
