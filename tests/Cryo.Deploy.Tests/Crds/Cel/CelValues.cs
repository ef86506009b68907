using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cryo.Deploy.Tests.Crds.Cel;

/// <summary>
/// CEL value semantics over JSON: objects and maps are <see cref="JsonObject"/>, lists <see cref="JsonArray"/>,
/// scalars become bool, long, double or string.
/// </summary>
public static class CelValues
{
    /// <summary>Turns a JSON node into a CEL value (scalars unwrapped).</summary>
    public static object? FromJson(JsonNode? node) => node switch
    {
        null => null,
        JsonObject or JsonArray => node,
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.Number => value.TryGetValue<long>(out var l) ? l
                : value.TryGetValue<int>(out var n) ? (long)n
                : value.TryGetValue<double>(out var d) ? (object)d
                : double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture),
            _ => null,
        },
        _ => throw new CelEvaluationException($"unsupported JSON node {node.GetType().Name}"),
    };

    /// <summary>The boolean value of a condition; anything else is a CEL type error.</summary>
    public static bool AsBool(object? value, string what) =>
        value is bool b ? b : throw new CelEvaluationException($"{what} must be a bool, got {Describe(value)}");

    /// <summary>CEL equality: deep for lists and maps, numeric across int and double.</summary>
    public static new bool Equals(object? left, object? right) => (left, right) switch
    {
        (null, null) => true,
        (null, _) or (_, null) => false,
        (long a, double b) => a == b,
        (double a, long b) => a == b,
        (JsonNode a, JsonNode b) => JsonNode.DeepEquals(a, b),
        _ => left.Equals(right),
    };

    /// <summary>Orders two ints, doubles or strings.</summary>
    public static int Compare(object? left, object? right) => (left, right) switch
    {
        (long a, long b) => a.CompareTo(b),
        (long a, double b) => ((double)a).CompareTo(b),
        (double a, long b) => a.CompareTo(b),
        (double a, double b) => a.CompareTo(b),
        (string a, string b) => string.CompareOrdinal(a, b),
        _ => throw new CelEvaluationException($"cannot compare {Describe(left)} with {Describe(right)}"),
    };

    /// <summary>CEL size(): characters of a string, items of a list, entries of a map.</summary>
    public static long Size(object? value) => value switch
    {
        string s => s.EnumerateRunes().Count(),
        JsonArray a => a.Count,
        JsonObject o => o.Count,
        _ => throw new CelEvaluationException($"size() of {Describe(value)}"),
    };

    /// <summary>A value's CEL type, for messages.</summary>
    public static string Describe(object? value) => value switch
    {
        null => "null",
        bool => "bool",
        long => "int",
        double => "double",
        string => "string",
        JsonArray => "list",
        JsonObject => "map",
        _ => value.GetType().Name,
    };
}
