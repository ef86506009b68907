namespace Cryo.Deploy.Tests.Crds.Definition;

/// <summary>
/// What <see cref="OpenApiSchemaChecker"/> carries down the schema (the API server's specStandardValidator
/// and CELSchemaContext): whether defaults are allowed here and if not why, whether this is inside
/// apiVersion/kind/metadata of a resource, the first ancestor below which oldSelf cannot be correlated,
/// and for rules the number of times this node can occur (null: unbounded) and the running cost total
/// (null: rules are not compiled, because the schema is not structural).
/// </summary>
public sealed record SchemaContext(
    bool AllowDefaults,
    string? DefaultsForbiddenReason,
    bool InsideResourceMeta,
    FieldPath? Uncorrelatable,
    ulong? Cardinality,
    CelCostTotal? CostTotal)
{
    /// <summary>The context of the openAPIV3Schema itself.</summary>
    public static SchemaContext Root(CelCostTotal? costTotal) => new(true, null, false, null, 1, costTotal);

    /// <summary>This context with defaults forbidden for <paramref name="reason"/>.</summary>
    public SchemaContext WithForbiddenDefaults(string reason) => this with { AllowDefaults = false, DefaultsForbiddenReason = reason };

    /// <summary>This context with oldSelf forbidden below <paramref name="path"/>, unless an ancestor already forbids it.</summary>
    public SchemaContext WithUncorrelatable(FieldPath path) => Uncorrelatable is null ? this with { Uncorrelatable = path } : this;

    /// <summary>The context of a child of <paramref name="parent"/>: occurrences multiply by the parent's maxItems or maxProperties.</summary>
    public SchemaContext ForChildOf(SchemaNode parent)
    {
        ulong? factor = parent.Type switch
        {
            "object" when parent.HasAdditionalProperties => parent.MaxProperties is { } max ? (ulong)Math.Max(0, max) : null,
            "array" => parent.MaxItems is { } max ? (ulong)Math.Max(0, max) : null,
            _ => 1,
        };
        ulong? cardinality = Cardinality is { } c && factor is { } f ? (f != 0 && c > ulong.MaxValue / f ? ulong.MaxValue : c * f) : null;
        return this with { Cardinality = cardinality };
    }

    /// <summary>The context of a junctor (allOf/anyOf/oneOf/not) clause: rules are not compiled there.</summary>
    public SchemaContext ForJunctor() => this with { CostTotal = null };
}
