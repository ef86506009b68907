using System.Text.Json.Serialization;

namespace Cryo.Api;

/// <summary>Labels and annotations a RestoreSet puts on its pods, beside the ones Cryo sets.</summary>
public sealed class PodOverlayMetadata
{
    /// <summary>Labels for the pods. Keys under <c>cryo.io/</c> are Cryo's own and are not taken from here.</summary>
    [JsonPropertyName("labels")]
    public IDictionary<string, string>? Labels { get; set; }

    /// <summary>Annotations for the pods, present from their creation (admission sees them). Keys under <c>cryo.io/</c> are not taken from here.</summary>
    [JsonPropertyName("annotations")]
    public IDictionary<string, string>? Annotations { get; set; }
}
