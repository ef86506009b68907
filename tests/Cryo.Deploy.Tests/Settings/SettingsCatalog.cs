using System.Text.RegularExpressions;

namespace Cryo.Deploy.Tests.Settings;

/// <summary>
/// The configuration keys the code under src/ binds, read from its options classes: a class declaring
/// <c>const string Section</c> or <c>SectionName</c> is a section's root; its public settable properties are
/// keys, and a property whose type is another options class nests. Read from source, so the deployment tests
/// need not build the services.
/// </summary>
public sealed partial class SettingsCatalog
{
    private readonly Dictionary<string, Dictionary<string, string>> _classes;
    private readonly Dictionary<string, string> _sections;

    private SettingsCatalog(Dictionary<string, Dictionary<string, string>> classes, Dictionary<string, string> sections)
    {
        _classes = classes;
        _sections = sections;
    }

    /// <summary>Section names found, e.g. Agent, Store, Operator.</summary>
    public IReadOnlyCollection<string> Sections => _sections.Keys;

    /// <summary>Reads every .cs file under src/ (bin and obj excluded).</summary>
    public static SettingsCatalog Load()
    {
        var classes = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        var sections = new Dictionary<string, string>(StringComparer.Ordinal);
        var files = Directory.EnumerateFiles(RepoRoot.Combine("src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            var type = ClassName().Match(text);
            if (!type.Success)
            {
                continue;
            }

            var properties = Property().Matches(text).ToDictionary(m => m.Groups[2].Value, m => m.Groups[1].Value.TrimEnd('?'), StringComparer.Ordinal);
            classes[type.Groups[1].Value] = properties;
            if (SectionConstant().Match(text) is { Success: true } section)
            {
                sections[section.Groups[1].Value] = type.Groups[1].Value;
            }
        }

        return new SettingsCatalog(classes, sections);
    }

    /// <summary>
    /// Whether the environment variable <paramref name="name"/> (Section__Key__Nested, list items by index)
    /// names a key the code binds. Variables that are not of that form are outside the catalog: null.
    /// </summary>
    public bool? Binds(string name)
    {
        var parts = name.Split("__");
        if (parts.Length < 2 || !_sections.TryGetValue(parts[0], out var className))
        {
            return parts.Length < 2 || !Sections.Any(s => parts[0].Equals(s, StringComparison.OrdinalIgnoreCase)) ? null : false;
        }

        for (var i = 1; i < parts.Length; i++)
        {
            if (!_classes.TryGetValue(className, out var properties)
                || properties.FirstOrDefault(p => p.Key.Equals(parts[i], StringComparison.OrdinalIgnoreCase)) is not { Key: not null } property)
            {
                return false;
            }

            var type = property.Value;
            if (ListItem().IsMatch(type))
            {
                return i + 2 == parts.Length && parts[i + 1].All(char.IsAsciiDigit);
            }

            className = type;
            if (i + 1 < parts.Length && !_classes.ContainsKey(className))
            {
                return false;
            }
        }

        return true;
    }

    [GeneratedRegex(@"\bclass\s+(\w+)")]
    private static partial Regex ClassName();

    [GeneratedRegex(@"public\s+([\w<>?,\s\[\]]+?)\s+(\w+)\s*\{\s*get;\s*set;\s*\}")]
    private static partial Regex Property();

    [GeneratedRegex(@"const\s+string\s+Section(?:Name)?\s*=\s*""(\w+)""")]
    private static partial Regex SectionConstant();

    [GeneratedRegex(@"^(List|IList|IReadOnlyList|ICollection|IEnumerable)<|\[\]$")]
    private static partial Regex ListItem();
}
