using System.Text.Json.Nodes;

namespace Cryo.Deploy.Tests.Rbac;

/// <summary>RBAC rules flattened to one permission per (role kind, API group, resource, verb), for comparing.</summary>
public static class RbacRules
{
    /// <summary>The permissions of every Role and ClusterRole among <paramref name="objects"/>.</summary>
    public static SortedSet<string> Flatten(IEnumerable<JsonNode> objects)
    {
        var permissions = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var role in objects.Where(o => o.StringAt("kind") is "Role" or "ClusterRole"))
        {
            foreach (var rule in role.ObjectsAt("rules"))
            {
                foreach (var group in Strings(rule, "apiGroups").DefaultIfEmpty("(none)"))
                {
                    foreach (var resource in Strings(rule, "resources").Concat(Strings(rule, "nonResourceURLs")))
                    {
                        var names = Strings(rule, "resourceNames").ToList();
                        foreach (var verb in Strings(rule, "verbs"))
                        {
                            var scope = names.Count == 0 ? string.Empty : $" [{string.Join(",", names.Order(StringComparer.Ordinal))}]";
                            permissions.Add($"{role.StringAt("kind")}: {(group.Length == 0 ? "core" : group)}/{resource}{scope} {verb}");
                        }
                    }
                }
            }
        }

        return permissions;
    }

    /// <summary>
    /// The Role and ClusterRole documents of a chart template, their template actions removed: the rules
    /// blocks are literal YAML, and only metadata lines carry actions.
    /// </summary>
    public static IEnumerable<JsonNode> FromTemplate(string template)
    {
        foreach (var document in template.Split("\n---", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = document.Split('\n');
            var kind = lines.FirstOrDefault(l => l.StartsWith("kind: ", StringComparison.Ordinal))?["kind: ".Length..].Trim();
            if (kind is not ("Role" or "ClusterRole"))
            {
                continue;
            }

            var rulesAt = Array.FindIndex(lines, l => l.StartsWith("rules:", StringComparison.Ordinal));
            var rules = string.Join('\n', lines.Skip(rulesAt));
            if (rulesAt < 0 || rules.Contains("{{", StringComparison.Ordinal))
            {
                throw new InvalidDataException($"the {kind}'s rules must be literal YAML after 'rules:'");
            }

            var parsed = YamlDocuments.Parse(rules, $"{kind} rules").Single();
            parsed["kind"] = kind;
            yield return parsed;
        }
    }

    private static IEnumerable<string> Strings(JsonNode rule, string field) =>
        rule.At(field) is JsonArray array ? array.Select(v => v!.GetValue<string>()) : [];
}
