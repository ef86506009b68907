using System.Text.Json.Nodes;

namespace Cryo.Testing.Kubernetes;

/// <summary>
/// A parsed <c>labelSelector</c> query: <c>k=v</c>, <c>k==v</c>, <c>k!=v</c>, <c>k in (a,b)</c>,
/// <c>k notin (a,b)</c>, <c>k</c> and <c>!k</c>, comma-separated and all required.
/// </summary>
internal sealed class LabelSelector
{
    private readonly List<Func<IReadOnlyDictionary<string, string>, bool>> requirements = [];

    public static LabelSelector Everything { get; } = new();

    public static LabelSelector Parse(string? text)
    {
        var selector = new LabelSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var part in SplitTopLevel(text))
        {
            selector.requirements.Add(ParseRequirement(part.Trim()));
        }

        return selector;
    }

    public bool Matches(JsonObject obj)
    {
        var labels = new Dictionary<string, string>();
        if (obj["metadata"]?["labels"] is JsonObject l)
        {
            foreach (var (k, v) in l)
            {
                labels[k] = v?.GetValue<string>() ?? "";
            }
        }

        return requirements.All(r => r(labels));
    }

    private static Func<IReadOnlyDictionary<string, string>, bool> ParseRequirement(string part)
    {
        var words = part.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 2 && words[1].TrimStart() is var rest && (rest.StartsWith("in ") || rest.StartsWith("in(") ||
                                                                       rest.StartsWith("notin ") || rest.StartsWith("notin(")))
        {
            var key = words[0];
            var negate = rest.StartsWith("notin");
            var open = rest.IndexOf('(');
            var close = rest.LastIndexOf(')');
            if (open < 0 || close < open)
            {
                throw ApiError.BadRequest($"unable to parse requirement: {part}");
            }

            var values = rest[(open + 1)..close].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet();
            return labels => labels.TryGetValue(key, out var v) ? values.Contains(v) != negate : negate;
        }

        if (part.Contains("!="))
        {
            var (key, value) = Split(part, "!=");
            return labels => !labels.TryGetValue(key, out var v) || v != value;
        }

        if (part.Contains("=="))
        {
            var (key, value) = Split(part, "==");
            return labels => labels.TryGetValue(key, out var v) && v == value;
        }

        if (part.Contains('='))
        {
            var (key, value) = Split(part, "=");
            return labels => labels.TryGetValue(key, out var v) && v == value;
        }

        if (part.StartsWith('!'))
        {
            var key = part[1..].Trim();
            return labels => !labels.ContainsKey(key);
        }

        return labels => labels.ContainsKey(part);
    }

    private static (string Key, string Value) Split(string part, string op)
    {
        var i = part.IndexOf(op, StringComparison.Ordinal);
        return (part[..i].Trim(), part[(i + op.Length)..].Trim());
    }

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            depth += text[i] == '(' ? 1 : text[i] == ')' ? -1 : 0;
            if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        yield return text[start..];
    }
}
