using System.Text.Json;
using System.Text.RegularExpressions;

namespace Cryo.Deploy.Tests.Crds.Definition;

/// <summary>
/// The CEL type a rule sees for a schema node, with the size bounds the API server estimates costs from
/// (k8s.io/apiserver/pkg/cel/common SchemaDeclType): a string's maxLength counts four bytes per character;
/// without a maximum a string, list or map is assumed to fill a whole request
/// (<see cref="CelCostLimits.MaxRequestSizeBytes"/>) with its smallest possible values.
/// </summary>
public static partial class CelDeclTypes
{
    private static readonly HashSet<string> Reserved =
    [
        "true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function", "if",
        "import", "let", "loop", "package", "namespace", "return", "var", "void", "while",
    ];

    /// <summary>
    /// The type of <paramref name="schema"/>, or null when rules cannot see it (no type, or made of parts
    /// without one). <paramref name="isResourceRoot"/> adds apiVersion, kind and metadata.name/generateName,
    /// which rules at the root of a resource always see.
    /// </summary>
    public static CelType? Of(SchemaNode schema, bool isResourceRoot)
    {
        if (schema.IntOrString)
        {
            return CelType.Dyn(schema.MaxLength is { } max ? FromMaxLength(max) : UnboundedStringLength);
        }

        return schema.Type switch
        {
            "array" => ListOf(schema),
            "object" => schema.AdditionalProperties is { } values ? MapOf(schema, values) : ObjectOf(schema, isResourceRoot),
            "string" => StringOf(schema),
            "boolean" => CelType.Simple(CelKind.Bool, 0, 4),
            "number" => CelType.Simple(CelKind.Double, 0, 1),
            "integer" => CelType.Simple(CelKind.Int, 0, 1),
            _ => null,
        };
    }

    /// <summary>How a property name reads in CEL (reserved words and '.', '-', '/', '__' escaped), or null when it cannot be read.</summary>
    public static string? Escape(string name)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            return null;
        }

        if (Reserved.Contains(name))
        {
            return $"__{name}__";
        }

        var readable = true;
        var escaped = EscapeMatcher().Replace(name, m => m.Value switch
        {
            "__" => "__underscores__",
            "." => "__dot__",
            "-" => "__dash__",
            "/" => "__slash__",
            _ => Unreadable(ref readable),
        });
        return readable ? escaped : null;
    }

    private static string Unreadable(ref bool readable)
    {
        readable = false;
        return string.Empty;
    }

    // No maximum: as long as the request can hold, less its quotes.
    private static ulong UnboundedStringLength => CelCostLimits.MaxRequestSizeBytes - 2;

    // maxLength counts characters; the estimator reasons in bytes, up to four per character.
    private static ulong FromMaxLength(long maxLength) => (ulong)Math.Max(0, maxLength) * 4;

    private static CelType? ListOf(SchemaNode schema)
    {
        if (schema.Items is not { } items || Of(items, items.EmbeddedResource) is not { } element)
        {
            return null;
        }

        var maxItems = schema.MaxItems is { } max
            ? (ulong)Math.Max(0, max)
            : (CelCostLimits.MaxRequestSizeBytes - 2) / (ulong)(element.MinSerializedSize + 1);
        return CelType.List(element, maxItems);
    }

    private static CelType? MapOf(SchemaNode schema, SchemaNode values)
    {
        if (Of(values, values.EmbeddedResource) is not { } value)
        {
            return null;
        }

        // A key, its quotes, the colon and a comma around the smallest value.
        var maxProperties = schema.MaxProperties is { } max
            ? (ulong)Math.Max(0, max)
            : (CelCostLimits.MaxRequestSizeBytes - 2) / (ulong)(value.MinSerializedSize + 6);

        // The API server gives keys no size bound at all; an unbounded string is the honest worst case.
        return CelType.Map(CelType.Simple(CelKind.String, UnboundedStringLength, 2), value, maxProperties);
    }

    private static CelType ObjectOf(SchemaNode schema, bool isResourceRoot)
    {
        var fields = new Dictionary<string, CelType>(StringComparer.Ordinal);
        var required = schema.Required.ToHashSet(StringComparer.Ordinal);
        long minSize = 2; // {}
        foreach (var (name, property) in schema.Properties)
        {
            if (Of(property, property.EmbeddedResource) is not { } type)
            {
                continue;
            }

            if (Escape(name) is { } escaped)
            {
                fields[escaped] = type;
            }

            // Required fields without a default must be in every request: "name": value,
            if (required.Contains(name) && property.Default is null)
            {
                minSize += name.Length + type.MinSerializedSize + 4;
            }
        }

        if (isResourceRoot)
        {
            AddTypeAndObjectMeta(fields);
        }

        return CelType.Object(fields, minSize);
    }

    // Rules at a resource root always see apiVersion, kind and metadata.name/generateName, unbounded.
    private static void AddTypeAndObjectMeta(Dictionary<string, CelType> fields)
    {
        var text = CelType.Simple(CelKind.String, UnboundedStringLength, 2);
        if (fields.TryGetValue("kind", out var kind) && kind.Kind == CelKind.String
            && fields.TryGetValue("apiVersion", out var apiVersion) && apiVersion.Kind == CelKind.String
            && fields.TryGetValue("metadata", out var metadata) && metadata.Fields.ContainsKey("name") && metadata.Fields.ContainsKey("generateName"))
        {
            return;
        }

        fields["kind"] = text;
        fields["apiVersion"] = text;
        fields["metadata"] = CelType.Object(new Dictionary<string, CelType> { ["name"] = text, ["generateName"] = text }, 2);
    }

    private static CelType StringOf(SchemaNode schema) => schema.Format switch
    {
        "byte" => CelType.Simple(CelKind.Bytes, schema.MaxLength is { } max ? (ulong)Math.Max(0, max) : UnboundedStringLength, 2),
        "duration" => CelType.Simple(CelKind.Duration, CelCostLimits.MaxDurationSizeJson, CelCostLimits.MinDurationSizeJson),
        "date" => CelType.Simple(CelKind.Timestamp, CelCostLimits.JsonDateSize, CelCostLimits.JsonDateSize),
        "date-time" => CelType.Simple(CelKind.Timestamp, CelCostLimits.MaxDatetimeSizeJson, CelCostLimits.MinDatetimeSizeJson),
        _ => CelType.Simple(CelKind.String, StringLength(schema), 2),
    };

    private static ulong StringLength(SchemaNode schema)
    {
        if (schema.MaxLength is { } max)
        {
            return FromMaxLength(max);
        }

        var enumLengths = schema.Enum
            .Where(e => e is not null && e.GetValueKind() == JsonValueKind.String)
            .Select(e => (ulong)e!.GetValue<string>().Length)
            .ToList();
        return enumLengths.Count > 0 ? enumLengths.Max() : UnboundedStringLength;
    }

    [GeneratedRegex(@"__|[-./]|[^a-zA-Z0-9\-./_]")]
    private static partial Regex EscapeMatcher();
}
