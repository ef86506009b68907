namespace Cryo.Api;

/// <summary>
/// Marks a string property whose allowed values are the public string constants of
/// <see cref="ValuesType"/>; the CRD schema lists the same values as an <c>enum</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ApiEnumAttribute(Type valuesType) : Attribute
{
    /// <summary>The static class whose public constant strings are the allowed values.</summary>
    public Type ValuesType { get; } = valuesType;
}
