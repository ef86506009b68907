namespace Cryo.Deploy.Tests.Crds.Cel;

/// <summary>
/// The CEL type of a schema node with the bounds the API server's cost estimator reads from it:
/// <see cref="MaxElements"/> is what size() can reach (bytes of a string, items of a list, entries of a
/// map), <see cref="MinSerializedSize"/> the fewest JSON bytes a value takes, which bounds how many
/// values fit in one request when the schema sets no maximum. Like the API server's, scalars and objects
/// have no size (0): comparing them is priced by their operands only.
/// </summary>
public sealed class CelType
{
    private CelType(CelKind kind, ulong maxElements, long minSerializedSize)
    {
        Kind = kind;
        MaxElements = maxElements;
        MinSerializedSize = minSerializedSize;
    }

    /// <summary>The kind.</summary>
    public CelKind Kind { get; }

    /// <summary>Upper bound of size().</summary>
    public ulong MaxElements { get; }

    /// <summary>Smallest JSON encoding of a value, in bytes.</summary>
    public long MinSerializedSize { get; }

    /// <summary>Items of a list, values of a map.</summary>
    public CelType? Element { get; private init; }

    /// <summary>Keys of a map.</summary>
    public CelType? Key { get; private init; }

    /// <summary>Fields of an object by their CEL (escaped) names.</summary>
    public IReadOnlyDictionary<string, CelType> Fields { get; private init; } = new Dictionary<string, CelType>();

    /// <summary>A type checked at run time.</summary>
    public static CelType Dyn(ulong maxElements = 0) => new(CelKind.Dyn, maxElements, 1);

    /// <summary>A scalar or string-like type.</summary>
    public static CelType Simple(CelKind kind, ulong maxElements, long minSerializedSize) => new(kind, maxElements, minSerializedSize);

    /// <summary>A list of <paramref name="element"/>.</summary>
    public static CelType List(CelType element, ulong maxItems) => new(CelKind.List, maxItems, 2) { Element = element };

    /// <summary>A map from <paramref name="key"/> to <paramref name="value"/>.</summary>
    public static CelType Map(CelType key, CelType value, ulong maxProperties) => new(CelKind.Map, maxProperties, 2) { Key = key, Element = value };

    /// <summary>An object with <paramref name="fields"/>.</summary>
    public static CelType Object(IReadOnlyDictionary<string, CelType> fields, long minSerializedSize) =>
        new(CelKind.Object, 0, minSerializedSize) { Fields = fields };

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        CelKind.List => $"list({Element})",
        CelKind.Map => $"map({Key}, {Element})",
        _ => Kind.ToString().ToLowerInvariant(),
    };
}
