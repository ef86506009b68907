using System.ComponentModel;
using System.Reflection;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Cryo.Api.Tests;

/// <summary>
/// Walks a CRD's OpenAPI schema and a C# type side by side and lists every disagreement: property names
/// missing on either side, JSON types and formats, required fields (non-nullable C# properties),
/// enums (<see cref="ApiEnumAttribute"/>) and defaults (<see cref="DefaultValueAttribute"/>).
/// </summary>
internal sealed class SchemaTypeComparer
{
    private static readonly HashSet<string> Envelope = ["apiVersion", "kind", "metadata"];
    private readonly NullabilityInfoContext nullability = new();

    public List<string> Problems { get; } = [];

    public void CompareObject(string path, Dictionary<object, object> schema, Type type, bool isRoot = false)
    {
        var schemaProps = schema.TryGetValue("properties", out var p) ? (Dictionary<object, object>)p : [];
        var clrProps = JsonProperties(type);

        foreach (var name in schemaProps.Keys.Cast<string>().Except(clrProps.Keys))
        {
            Problems.Add($"{path}.{name}: in the schema, missing from {type.Name}");
        }

        foreach (var name in clrProps.Keys.Except(schemaProps.Keys.Cast<string>()))
        {
            Problems.Add($"{path}.{name}: in {type.Name}, missing from the schema");
        }

        var schemaRequired = schema.TryGetValue("required", out var r) ? ((List<object>)r).Cast<string>().ToHashSet() : [];
        if (type.Namespace == typeof(Checkpoint).Namespace)
        {
            var clrRequired = clrProps.Where(kv => IsRequired(kv.Value)).Select(kv => kv.Key)
                .Where(n => !(isRoot && Envelope.Contains(n))).ToHashSet();
            if (!clrRequired.SetEquals(schemaRequired))
            {
                Problems.Add($"{path}: required in schema [{string.Join(",", schemaRequired.Order())}], " +
                             $"non-nullable in {type.Name} [{string.Join(",", clrRequired.Order())}]");
            }
        }

        foreach (var (name, prop) in clrProps)
        {
            if (schemaProps.TryGetValue(name, out var child))
            {
                CompareProperty($"{path}.{name}", (Dictionary<object, object>)child, prop, describable: !(isRoot && name == "metadata"));
            }
        }
    }

    // The API server refuses anything but `type: object` on a CRD's root metadata (it is implicitly specified), so
    // that one property goes undescribed.
    private void CompareProperty(string path, Dictionary<object, object> schema, PropertyInfo prop, bool describable = true)
    {
        if (describable != schema.ContainsKey("description"))
        {
            Problems.Add(describable ? $"{path}: no description" : $"{path}: a description, which the API server refuses there");
        }

        CompareValue(path, schema, prop.PropertyType);
        if (prop.DeclaringType?.Namespace != typeof(Checkpoint).Namespace)
        {
            return; // enums and defaults of upstream types (metav1.Condition) are checked in CompareItem
        }

        var enumAttr = prop.GetCustomAttribute<ApiEnumAttribute>();
        var schemaEnum = schema.TryGetValue("enum", out var e) ? ((List<object>)e).Cast<string>().ToHashSet() : null;
        var clrEnum = enumAttr?.ValuesType.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToHashSet();
        if ((schemaEnum is null) != (clrEnum is null) || (schemaEnum is not null && !schemaEnum.SetEquals(clrEnum!)))
        {
            Problems.Add($"{path}: enum differs (schema [{Join(schemaEnum)}], C# [{Join(clrEnum)}])");
        }

        var defaultAttr = prop.GetCustomAttribute<DefaultValueAttribute>();
        var schemaDefault = schema.TryGetValue("default", out var d) ? Convert.ToString(d)?.ToLowerInvariant() : null;
        var clrDefault = defaultAttr is null ? null : Convert.ToString(defaultAttr.Value)?.ToLowerInvariant();
        if (schemaDefault != clrDefault)
        {
            Problems.Add($"{path}: default differs (schema {schemaDefault ?? "none"}, C# {clrDefault ?? "none"})");
        }
    }

    private void CompareValue(string path, Dictionary<object, object> schema, Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        var schemaType = CrdDocument.Str(schema, "type");
        var format = CrdDocument.Str(schema, "format");
        switch (type)
        {
            case var t when t == typeof(string):
                Expect(path, schemaType == "string" && format is null, "string", schemaType, format);
                break;
            case var t when t == typeof(bool):
                Expect(path, schemaType == "boolean", "boolean", schemaType, format);
                break;
            case var t when t == typeof(int):
                Expect(path, schemaType == "integer" && format == "int32", "integer/int32", schemaType, format);
                break;
            case var t when t == typeof(long):
                Expect(path, schemaType == "integer" && format == "int64", "integer/int64", schemaType, format);
                break;
            case var t when t == typeof(DateTime):
                Expect(path, schemaType == "string" && format == "date-time", "string/date-time", schemaType, format);
                break;
            case var t when t == typeof(V1ObjectMeta):
                Expect(path, schemaType == "object" && !schema.ContainsKey("properties"), "object (metadata)", schemaType, format);
                break;
            case var t when t == typeof(V1PodSpec):
                Expect(path, schemaType == "object" && Preserves(schema), "object preserving unknown fields", schemaType, format);
                break;

            // An upstream type kept whole (core/v1 Affinity): the API server checks it when the pod it goes into is created.
            case var t when t.Namespace == typeof(V1PodSpec).Namespace && Preserves(schema) && !schema.ContainsKey("properties"):
                Expect(path, schemaType == "object", "object preserving unknown fields", schemaType, format);
                break;
            case var t when t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IDictionary<,>):
                var additional = schema.TryGetValue("additionalProperties", out var a) ? (Dictionary<object, object>)a : null;
                Expect(path, schemaType == "object" && additional is not null, "object with additionalProperties", schemaType, format);
                if (additional is not null)
                {
                    CompareValue(path + "{}", additional, t.GetGenericArguments()[1]);
                }

                break;
            case var t when t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IList<>):
                Expect(path, schemaType == "array", "array", schemaType, format);
                if (schema.TryGetValue("items", out var items))
                {
                    CompareItem(path + "[]", (Dictionary<object, object>)items, t.GetGenericArguments()[0]);
                }

                break;
            case var t when t.IsClass:
                Expect(path, schemaType == "object", "object", schemaType, format);
                CompareObject(path, schema, t);
                break;
            default:
                Problems.Add($"{path}: C# type {type} has no known schema mapping");
                break;
        }
    }

    private void CompareItem(string path, Dictionary<object, object> schema, Type type)
    {
        CompareValue(path, schema, type);
        if (type == typeof(V1Condition))
        {
            // metav1.Condition's required fields are the upstream ones; V1Condition is not nullable-annotated.
            var required = ((List<object>)schema["required"]).Cast<string>().ToHashSet();
            if (!required.SetEquals(["type", "status", "lastTransitionTime", "reason", "message"]))
            {
                Problems.Add($"{path}: required differs from metav1.Condition");
            }

            var status = CrdDocument.Map(CrdDocument.Map(schema, "properties"), "status");
            if (!((List<object>)status["enum"]).Cast<string>().SequenceEqual(["True", "False", "Unknown"]))
            {
                Problems.Add($"{path}.status: enum differs from metav1.Condition");
            }
        }
    }

    private void Expect(string path, bool ok, string expected, string? type, string? format)
    {
        if (!ok)
        {
            Problems.Add($"{path}: C# expects {expected}, schema has type {type ?? "none"} format {format ?? "none"}");
        }
    }

    private static bool Preserves(Dictionary<object, object> schema) =>
        schema.TryGetValue("x-kubernetes-preserve-unknown-fields", out var keep) && keep is "true";

    private bool IsRequired(PropertyInfo prop) =>
        prop.PropertyType.IsValueType
            ? Nullable.GetUnderlyingType(prop.PropertyType) is null
            : nullability.Create(prop).ReadState == NullabilityState.NotNull;

    private static Dictionary<string, PropertyInfo> JsonProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
            .ToDictionary(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? p.Name, p => p);

    private static string Join(IEnumerable<string>? values) => values is null ? "none" : string.Join(",", values.Order());
}
