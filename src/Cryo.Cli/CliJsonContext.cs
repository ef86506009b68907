using System.Text.Json.Serialization;

namespace Cryo.Cli;

/// <summary>
/// The CLI's own JSON, generated at compile time: the command is published as Native AOT, where
/// reflection-based serialization is off. (Results are proto messages and go through protobuf's formatter.)
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ErrorDocument))]
public sealed partial class CliJsonContext : JsonSerializerContext;
