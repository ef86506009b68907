using System.Text;

namespace Cryo.Deploy.Tests.Crds.Cel;

/// <summary>Splits a CEL expression into tokens.</summary>
public static class CelLexer
{
    private static readonly string[] Operators =
        ["==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "+", "-", "*", "/", "%", "?", ":", ".", ",", "(", ")", "[", "]", "{", "}"];

    /// <summary>The tokens of <paramref name="rule"/>, ending with an <see cref="CelTokenKind.End"/> token.</summary>
    /// <exception cref="CelUnsupportedException">A character the subset does not know.</exception>
    public static List<CelToken> Tokenize(string rule)
    {
        var tokens = new List<CelToken>();
        var i = 0;
        while (i < rule.Length)
        {
            var c = rule[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (char.IsAsciiLetter(c) || c == '_')
            {
                var start = i;
                while (i < rule.Length && (char.IsAsciiLetterOrDigit(rule[i]) || rule[i] == '_'))
                {
                    i++;
                }

                tokens.Add(new CelToken(CelTokenKind.Identifier, rule[start..i], start));
            }
            else if (char.IsAsciiDigit(c))
            {
                var start = i;
                while (i < rule.Length && char.IsAsciiDigit(rule[i]))
                {
                    i++;
                }

                var isDouble = i + 1 < rule.Length && rule[i] == '.' && char.IsAsciiDigit(rule[i + 1]);
                if (isDouble)
                {
                    i++;
                    while (i < rule.Length && char.IsAsciiDigit(rule[i]))
                    {
                        i++;
                    }
                }

                tokens.Add(new CelToken(isDouble ? CelTokenKind.Double : CelTokenKind.Integer, rule[start..i], start));
                if (i < rule.Length && rule[i] == 'u')
                {
                    i++; // unsigned suffix: same value for the rules' purposes
                }
            }
            else if (c is '"' or '\'')
            {
                tokens.Add(ReadString(rule, ref i));
            }
            else
            {
                var op = Operators.FirstOrDefault(o => string.CompareOrdinal(rule, i, o, 0, o.Length) == 0)
                    ?? throw new CelUnsupportedException(rule, $"unexpected character '{c}' at {i}");
                tokens.Add(new CelToken(CelTokenKind.Operator, op, i));
                i += op.Length;
            }
        }

        tokens.Add(new CelToken(CelTokenKind.End, string.Empty, rule.Length));
        return tokens;
    }

    private static CelToken ReadString(string rule, ref int i)
    {
        var quote = rule[i];
        var start = i++;
        var text = new StringBuilder();
        while (i < rule.Length && rule[i] != quote)
        {
            if (rule[i] == '\\' && i + 1 < rule.Length)
            {
                i++;
                text.Append(rule[i] switch { 'n' => '\n', 't' => '\t', _ => rule[i] });
            }
            else
            {
                text.Append(rule[i]);
            }

            i++;
        }

        if (i >= rule.Length)
        {
            throw new CelUnsupportedException(rule, $"unterminated string at {start}");
        }

        i++;
        return new CelToken(CelTokenKind.String, text.ToString(), start);
    }
}
