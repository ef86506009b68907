namespace Cryo.Deploy.Tests.Crds;

/// <summary>
/// One x-kubernetes-validations rule of a CRD schema: where it sits (<see cref="SchemaPath"/>, member names
/// with "[]" for list items and "{}" for map values), its CEL text and message. A transition rule refers
/// to oldSelf and runs only on update.
/// </summary>
public sealed record CelRule(string SchemaPath, string Rule, string Message)
{
    /// <summary>True when the rule compares with the previous object (oldSelf) and so applies to updates only.</summary>
    public bool IsTransition => Rule.Contains("oldSelf", StringComparison.Ordinal);
}
