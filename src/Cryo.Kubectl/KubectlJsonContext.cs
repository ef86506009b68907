using System.Text.Json.Serialization;

namespace Cryo.Kubectl;

/// <summary>Source-generated JSON for the few plain values the plugin serializes (no reflection under Native AOT).</summary>
[JsonSerializable(typeof(string))]
internal sealed partial class KubectlJsonContext : JsonSerializerContext;
