using System.Text.Json.Nodes;

namespace Cryo.Deploy.Tests.Crds;

/// <summary>
/// Applies a structural schema's defaults to an object as the API server does: top-down, a property's
/// default filling it only where its parent object exists and the property is absent.
/// </summary>
public static class SchemaDefaulter
{
    /// <summary>Fills the defaults of <paramref name="schema"/> (OpenAPI v3, as in the CRD) into <paramref name="instance"/>, in place.</summary>
    public static void Apply(JsonObject schema, JsonNode? instance)
    {
        switch (instance)
        {
            case JsonObject obj:
                if (schema["properties"] is JsonObject properties)
                {
                    foreach (var (name, child) in properties)
                    {
                        if (child is JsonObject childSchema && !obj.ContainsKey(name) && childSchema["default"] is { } value)
                        {
                            obj[name] = value.DeepClone();
                        }
                    }

                    foreach (var (name, child) in properties)
                    {
                        if (obj.TryGetPropertyValue(name, out var value))
                        {
                            Apply((JsonObject)child!, value);
                        }
                    }
                }

                if (schema["additionalProperties"] is JsonObject additional)
                {
                    foreach (var (_, value) in obj.ToList())
                    {
                        Apply(additional, value);
                    }
                }

                break;
            case JsonArray array when schema["items"] is JsonObject items:
                foreach (var item in array)
                {
                    Apply(items, item);
                }

                break;
        }
    }
}
