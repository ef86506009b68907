using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cryo.Agent.Store.Manifest;

/// <summary>
/// Compile-time JSON metadata for the manifest. Reflection-based serialization costs ~0.5 s on first
/// use on a loaded node, which the first checkpoint after an agent start would otherwise pay.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    NumberHandling = JsonNumberHandling.Strict,
    PropertyNameCaseInsensitive = false)]
[JsonSerializable(typeof(CheckpointManifest))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;
