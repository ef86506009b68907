using System.Text.Json.Nodes;

namespace Cryo.Testing.Kubernetes;

/// <summary>
/// A parsed <c>fieldSelector</c> query (<c>f=v</c>, <c>f==v</c>, <c>f!=v</c>, comma-separated). Like the real
/// server it accepts only the field labels the resource supports and answers 400 for any other.
/// </summary>
internal sealed class FieldSelector
{
    private readonly List<(string Path, string Value, bool Equal)> terms = [];

    public static FieldSelector Everything { get; } = new();

    public static FieldSelector Parse(string? text, ResourceType type)
    {
        var selector = new FieldSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var raw in text.Split(','))
        {
            var part = raw.Trim();
            var op = part.Contains("!=") ? "!=" : part.Contains("==") ? "==" : "=";
            var i = part.IndexOf(op, StringComparison.Ordinal);
            if (i <= 0)
            {
                throw ApiError.BadRequest($"invalid selector: '{text}'; can't understand '{part}'");
            }

            var field = part[..i].Trim();
            if (field is not ("metadata.name" or "metadata.namespace") && !type.FieldSelectors.Contains(field))
            {
                throw ApiError.BadRequest($"field label not supported: {field}");
            }

            selector.terms.Add((field, part[(i + op.Length)..].Trim(), op != "!="));
        }

        return selector;
    }

    public bool Matches(JsonObject obj) => terms.All(t => (Lookup(obj, t.Path) == t.Value) == t.Equal);

    private static string Lookup(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject o ? o[part] : null;
        }

        return node is JsonValue v ? v.ToString() : "";
    }
}
