using System.Text.Json.Serialization;

namespace Cryo.Agent.Interop;

/// <summary>Compile-time JSON metadata for the archive's documents (as for the manifest: no reflection on first use).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ContainerConfigDump))]
[JsonSerializable(typeof(RuntimeSpecDump))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class ArchiveJsonContext : JsonSerializerContext;
