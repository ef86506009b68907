using System.Text.Json.Nodes;

namespace Cryo.Deploy.Tests.Crds.Definition;

/// <summary>
/// Structural pruning (apiextensions pkg/apiserver/schema/pruning): drops the fields of a value its schema
/// does not specify, except under x-kubernetes-preserve-unknown-fields and, at a resource root, apiVersion,
/// kind and metadata.
/// </summary>
public static class SchemaPruner
{
    /// <summary>A pruned copy of <paramref name="value"/>.</summary>
    public static JsonNode? Prune(JsonNode? value, SchemaNode? schema, bool isResourceRoot)
    {
        var copy = value?.DeepClone();
        PruneInPlace(copy, schema, isResourceRoot);
        return copy;
    }

    private static void PruneInPlace(JsonNode? value, SchemaNode? schema, bool isResourceRoot)
    {
        switch (value)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    if (isResourceRoot && name is "apiVersion" or "kind" or "metadata")
                    {
                        continue;
                    }

                    var childSchema = schema?.Property(name) ?? schema?.AdditionalProperties;
                    if (childSchema is null && schema?.Json["additionalProperties"] is not JsonValue && schema?.PreserveUnknownFields != true)
                    {
                        obj.Remove(name);
                        continue;
                    }

                    PruneInPlace(child, childSchema, childSchema?.EmbeddedResource == true);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    PruneInPlace(item, schema?.Items, schema?.Items?.EmbeddedResource == true);
                }

                break;
        }
    }
}
