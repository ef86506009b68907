using System.Text.Json.Nodes;

namespace Cryo.Deploy.Tests.Crds;

/// <summary>
/// Converts a CRD's structural OpenAPI v3 schema into JSON Schema 2020-12 with the API server's
/// semantics: unknown fields are errors (kubectl's strict field validation) unless
/// x-kubernetes-preserve-unknown-fields says otherwise, nullable adds null, int-or-string accepts both,
/// OpenAPI's boolean exclusiveMinimum/Maximum become numbers, and formats the API server does not check
/// are dropped. Kubernetes extensions and defaults do not constrain here (defaults are applied by
/// <see cref="SchemaDefaulter"/>, CEL rules by <see cref="CrdValidator"/>).
/// </summary>
public static class CrdSchemaConverter
{
    private static readonly HashSet<string> Copied =
    [
        "description", "enum", "minimum", "maximum", "minLength", "maxLength", "pattern", "minItems", "maxItems",
        "uniqueItems", "minProperties", "maxProperties", "required", "default",
    ];

    /// <summary>The JSON Schema document for <paramref name="openApiV3Schema"/>.</summary>
    public static JsonObject Convert(JsonObject openApiV3Schema)
    {
        var result = ConvertNode(openApiV3Schema, isRoot: true);
        result["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        return result;
    }

    private static JsonObject ConvertNode(JsonObject schema, bool isRoot = false)
    {
        var result = new JsonObject();
        foreach (var (key, value) in schema)
        {
            if (Copied.Contains(key))
            {
                result[key] = value?.DeepClone();
            }
        }

        var preserveUnknown = schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true;
        var embedded = schema["x-kubernetes-embedded-resource"]?.GetValue<bool>() == true;
        var nullable = schema["nullable"]?.GetValue<bool>() == true;
        if (schema["x-kubernetes-int-or-string"]?.GetValue<bool>() == true)
        {
            result["type"] = new JsonArray("integer", "string");
        }
        else if (schema["type"]?.GetValue<string>() is { } type)
        {
            result["type"] = nullable ? new JsonArray(type, "null") : type;
        }

        ConvertNumericBounds(schema, result);
        if (schema["format"]?.GetValue<string>() is "date-time" or "date")
        {
            result["format"] = schema["format"]!.GetValue<string>();
        }

        ConvertChildren(schema, result, preserveUnknown, embedded || isRoot);
        foreach (var combinator in new[] { "allOf", "anyOf", "oneOf" })
        {
            if (schema[combinator] is JsonArray list)
            {
                result[combinator] = new JsonArray(list.OfType<JsonObject>().Select(s => (JsonNode)ConvertNode(s)).ToArray());
            }
        }

        if (schema["not"] is JsonObject not)
        {
            result["not"] = ConvertNode(not);
        }

        return result;
    }

    private static void ConvertNumericBounds(JsonObject schema, JsonObject result)
    {
        if (schema["exclusiveMinimum"]?.GetValue<bool>() == true && result["minimum"] is { } min)
        {
            result.Remove("minimum");
            result["exclusiveMinimum"] = min.DeepClone();
        }

        if (schema["exclusiveMaximum"]?.GetValue<bool>() == true && result["maximum"] is { } max)
        {
            result.Remove("maximum");
            result["exclusiveMaximum"] = max.DeepClone();
        }
    }

    private static void ConvertChildren(JsonObject schema, JsonObject result, bool preserveUnknown, bool allowTypeMeta)
    {
        if (schema["properties"] is JsonObject properties)
        {
            var converted = new JsonObject();
            foreach (var (name, child) in properties)
            {
                converted[name] = ConvertNode((JsonObject)child!);
            }

            if (allowTypeMeta)
            {
                // apiVersion, kind and metadata are validated by the API server itself.
                converted.TryAdd("apiVersion", new JsonObject { ["type"] = "string" });
                converted.TryAdd("kind", new JsonObject { ["type"] = "string" });
                converted.TryAdd("metadata", new JsonObject { ["type"] = "object" });
            }

            result["properties"] = converted;
        }

        if (schema["additionalProperties"] is JsonObject additional)
        {
            result["additionalProperties"] = ConvertNode(additional);
        }
        else if (schema["additionalProperties"] is JsonValue flag)
        {
            result["additionalProperties"] = flag.GetValue<bool>();
        }
        else if (schema["properties"] is not null && !preserveUnknown)
        {
            result["additionalProperties"] = false;
        }

        if (schema["items"] is JsonObject items)
        {
            result["items"] = ConvertNode(items);
        }
    }
}
