using System.Text.RegularExpressions;

namespace Cryo.Deploy.Tests.Chart;

/// <summary>
/// Reads Helm templates without rendering them: the .Values paths they reference, and whether their
/// {{ }} delimiters and block actions (if/range/with/define/block … else … end) balance.
/// </summary>
public static partial class HelmTemplateScanner
{
    private static readonly HashSet<string> Openers = ["if", "range", "with", "define", "block"];

    /// <summary>Every .Values path (e.g. "agent.port") in <paramref name="template"/>, with its line.</summary>
    public static IEnumerable<(string Path, int Line)> ValuesReferences(string template) =>
        ValuesReference().Matches(template).Select(m => (m.Groups[1].Value.TrimStart('.'), LineOf(template, m.Index)));

    /// <summary>
    /// <paramref name="template"/> with its actions taken out, for templates whose actions only fill in names
    /// and include blocks of lines: comments and lines of nothing but actions go, and every other action
    /// becomes <paramref name="placeholder"/>. What is left is the YAML every rendering shares.
    /// </summary>
    public static string Skeleton(string template, string placeholder)
    {
        var lines = CommentAction().Replace(template, string.Empty).Split('\n').Where(line => !ActionsOnlyLine().IsMatch(line));
        return AnyAction().Replace(string.Join('\n', lines), placeholder);
    }

    /// <summary>What is unbalanced in <paramref name="template"/>; empty when delimiters and blocks balance.</summary>
    public static List<string> CheckStructure(string template)
    {
        var problems = new List<string>();
        var blocks = new Stack<(string Keyword, int Line)>();
        var position = 0;
        while (true)
        {
            var open = template.IndexOf("{{", position, StringComparison.Ordinal);
            var close = template.IndexOf("}}", position, StringComparison.Ordinal);
            if (open < 0)
            {
                if (close >= 0)
                {
                    problems.Add($"line {LineOf(template, close)}: '}}}}' without '{{{{'");
                }

                break;
            }

            if (close >= 0 && close < open)
            {
                problems.Add($"line {LineOf(template, close)}: '}}}}' without '{{{{'");
            }

            var end = FindActionEnd(template, open + 2);
            if (end < 0)
            {
                problems.Add($"line {LineOf(template, open)}: '{{{{' is never closed");
                break;
            }

            var action = template[(open + 2)..end].Trim().TrimStart('-').TrimEnd('-').Trim();
            CheckAction(action, LineOf(template, open), blocks, problems);
            position = end + 2;
        }

        problems.AddRange(blocks.Select(b => $"line {b.Line}: '{b.Keyword}' has no 'end'"));
        return problems;
    }

    private static void CheckAction(string action, int line, Stack<(string Keyword, int Line)> blocks, List<string> problems)
    {
        if (action.StartsWith("/*", StringComparison.Ordinal))
        {
            if (!action.EndsWith("*/", StringComparison.Ordinal))
            {
                problems.Add($"line {line}: comment not closed by '*/' inside its action");
            }

            return;
        }

        if (action.Count(c => c == '(') != action.Count(c => c == ')'))
        {
            problems.Add($"line {line}: unbalanced parentheses in '{action}'");
        }

        if (action.Count(c => c == '"') % 2 != 0)
        {
            problems.Add($"line {line}: unbalanced quotes in '{action}'");
        }

        var keyword = FirstWord().Match(action).Value;
        if (Openers.Contains(keyword))
        {
            blocks.Push((keyword, line));
        }
        else if (keyword == "else")
        {
            if (blocks.Count == 0 || blocks.Peek().Keyword is "define" or "block")
            {
                problems.Add($"line {line}: 'else' outside if/range/with");
            }
        }
        else if (keyword == "end")
        {
            if (blocks.Count == 0)
            {
                problems.Add($"line {line}: 'end' without an open block");
            }
            else
            {
                blocks.Pop();
            }
        }
    }

    // The "}}" closing an action that starts at start, skipping "}}" inside string literals and comments.
    private static int FindActionEnd(string template, int start)
    {
        var body = start;
        while (body < template.Length && (template[body] == '-' || char.IsWhiteSpace(template[body])))
        {
            body++;
        }

        if (string.CompareOrdinal(template, body, "/*", 0, 2) == 0)
        {
            var commentEnd = template.IndexOf("*/", body + 2, StringComparison.Ordinal);
            return commentEnd < 0 ? -1 : template.IndexOf("}}", commentEnd, StringComparison.Ordinal);
        }

        var inString = false;
        for (var i = start; i < template.Length - 1; i++)
        {
            var c = template[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }
            }
            else if (c == '"')
            {
                inString = true;
            }
            else if (c == '{' && template[i + 1] == '{')
            {
                return -1; // an action never contains another action's start
            }
            else if (c == '}' && template[i + 1] == '}')
            {
                return i;
            }
        }

        return -1;
    }

    private static int LineOf(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;

    [GeneratedRegex(@"(?<![\w\]\)])(?:\$\w*)?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")]
    private static partial Regex ValuesReference();

    [GeneratedRegex(@"^[a-z]+")]
    private static partial Regex FirstWord();

    [GeneratedRegex(@"\{\{-?\s*/\*.*?\*/\s*-?\}\}", RegexOptions.Singleline)]
    private static partial Regex CommentAction();

    [GeneratedRegex(@"^\s*(\{\{.*?\}\}\s*)+$")]
    private static partial Regex ActionsOnlyLine();

    [GeneratedRegex(@"\{\{.*?\}\}")]
    private static partial Regex AnyAction();
}
