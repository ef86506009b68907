using System.Text.Json.Nodes;

namespace Cryo.Testing.Kubernetes;

/// <summary>One committed change: the object before (null on create) and after (null on delete).</summary>
internal sealed record HistoryEntry(long ResourceVersion, ResourceType Type, string Namespace, JsonObject? Old, JsonObject? New);
