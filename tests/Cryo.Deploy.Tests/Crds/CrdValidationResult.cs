using System.Text.Json.Nodes;

namespace Cryo.Deploy.Tests.Crds;

/// <summary>What <see cref="CrdValidator"/> found: the object with defaults applied, and every error.</summary>
public sealed record CrdValidationResult(JsonNode Defaulted, IReadOnlyList<string> Errors)
{
    /// <summary>True when the API server would accept the object.</summary>
    public bool IsValid => Errors.Count == 0;
}
