using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cryo.Deploy.Tests.Crds.Definition;

/// <summary>
/// Typed read access to one OpenAPI v3 schema object of a CRD (apiextensions JSONSchemaProps). Reads are
/// lenient: a keyword of the wrong JSON type reads as absent, since <see cref="CrdDecodingChecker"/> reports
/// those once, as the API server's decoder would.
/// </summary>
public sealed class SchemaNode(JsonObject json)
{
    /// <summary>The schema as written.</summary>
    public JsonObject Json { get; } = json;

    /// <summary>The "type" keyword, or the empty string.</summary>
    public string Type => String("type") ?? string.Empty;

    /// <summary>The "format" keyword, or the empty string.</summary>
    public string Format => String("format") ?? string.Empty;

    /// <summary>The "pattern" keyword, or null.</summary>
    public string? Pattern => String("pattern");

    /// <summary>Named properties in written order (empty when there are none).</summary>
    public IReadOnlyList<(string Name, SchemaNode Schema)> Properties =>
        Json["properties"] is JsonObject properties
            ? properties.Where(p => p.Value is JsonObject).Select(p => (p.Key, new SchemaNode((JsonObject)p.Value!))).ToList()
            : [];

    /// <summary>True when "properties" names at least one property.</summary>
    public bool HasProperties => Json["properties"] is JsonObject { Count: > 0 };

    /// <summary>The "items" schema when it is a single schema.</summary>
    public SchemaNode? Items => Json["items"] is JsonObject items ? new SchemaNode(items) : null;

    /// <summary>True when "additionalProperties" is present (a schema or a boolean).</summary>
    public bool HasAdditionalProperties => Json["additionalProperties"] is JsonObject || Json["additionalProperties"] is JsonValue;

    /// <summary>The "additionalProperties" schema when it is one.</summary>
    public SchemaNode? AdditionalProperties => Json["additionalProperties"] is JsonObject schema ? new SchemaNode(schema) : null;

    /// <summary>"additionalProperties: false".</summary>
    public bool AdditionalPropertiesForbidden => Json["additionalProperties"] is JsonValue value && value.GetValueKind() == JsonValueKind.False;

    /// <summary>x-kubernetes-preserve-unknown-fields: true.</summary>
    public bool PreserveUnknownFields => Flag("x-kubernetes-preserve-unknown-fields");

    /// <summary>x-kubernetes-embedded-resource: true.</summary>
    public bool EmbeddedResource => Flag("x-kubernetes-embedded-resource");

    /// <summary>x-kubernetes-int-or-string: true.</summary>
    public bool IntOrString => Flag("x-kubernetes-int-or-string");

    /// <summary>nullable: true.</summary>
    public bool Nullable => Flag("nullable");

    /// <summary>x-kubernetes-list-type, or null.</summary>
    public string? ListType => String("x-kubernetes-list-type");

    /// <summary>x-kubernetes-map-type, or null.</summary>
    public string? MapType => String("x-kubernetes-map-type");

    /// <summary>x-kubernetes-list-map-keys (empty when absent).</summary>
    public IReadOnlyList<string> ListMapKeys => Strings("x-kubernetes-list-map-keys");

    /// <summary>required (empty when absent).</summary>
    public IReadOnlyList<string> Required => Strings("required");

    /// <summary>maxLength, or null.</summary>
    public long? MaxLength => Integer("maxLength");

    /// <summary>maxItems, or null.</summary>
    public long? MaxItems => Integer("maxItems");

    /// <summary>maxProperties, or null.</summary>
    public long? MaxProperties => Integer("maxProperties");

    /// <summary>The enum values (empty when absent).</summary>
    public IReadOnlyList<JsonNode?> Enum => Json["enum"] is JsonArray values ? values.ToList() : [];

    /// <summary>The default, or null when absent or null (the API server drops a null default).</summary>
    public JsonNode? Default => Json["default"];

    /// <summary>x-kubernetes-validations entries.</summary>
    public IReadOnlyList<JsonObject> Validations => Json["x-kubernetes-validations"] is JsonArray rules ? rules.OfType<JsonObject>().ToList() : [];

    /// <summary>The schemas of allOf, anyOf or oneOf (empty when absent).</summary>
    public IReadOnlyList<SchemaNode> Junctor(string keyword) =>
        Json[keyword] is JsonArray list ? list.OfType<JsonObject>().Select(s => new SchemaNode(s)).ToList() : [];

    /// <summary>The "not" schema, or null.</summary>
    public SchemaNode? Not => Json["not"] is JsonObject not ? new SchemaNode(not) : null;

    /// <summary>The named property's schema, or null.</summary>
    public SchemaNode? Property(string name) =>
        Json["properties"] is JsonObject properties && properties[name] is JsonObject schema ? new SchemaNode(schema) : null;

    /// <summary>The keyword's value when it is a string.</summary>
    public string? String(string keyword) =>
        Json[keyword] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    /// <summary>True when the keyword is the boolean true.</summary>
    public bool Flag(string keyword) => Json[keyword] is JsonValue value && value.GetValueKind() == JsonValueKind.True;

    /// <summary>The keyword's value when it is an integer.</summary>
    public long? Integer(string keyword) => TryInteger(Json[keyword], out var number) ? number : null;

    /// <summary>True when <paramref name="node"/> is a JSON integer (whatever .NET type it was built from).</summary>
    public static bool TryInteger(JsonNode? node, out long value)
    {
        value = 0;
        return node is JsonValue json && json.GetValueKind() == JsonValueKind.Number
            && long.TryParse(json.ToJsonString(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out value);
    }

    private List<string> Strings(string keyword) =>
        Json[keyword] is JsonArray list ? list.OfType<JsonValue>().Where(v => v.GetValueKind() == JsonValueKind.String).Select(v => v.GetValue<string>()).ToList() : [];
}
