using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Cryo.Deploy.Tests.Crds.Cel;

/// <summary>
/// Compiles the subset of CEL that CRD validation rules commonly use into a function of the environment:
/// literals, self/oldSelf and macro variables, field selection and indexing, has(), the operators
/// (! - * / % + - == != &lt; &lt;= &gt; &gt;= in &amp;&amp; || ?:), size/int/string, the string methods
/// startsWith/endsWith/contains/matches, and the all/exists macros. Anything else is refused with
/// <see cref="CelUnsupportedException"/>, so a new rule is never silently skipped.
/// </summary>
public sealed class CelParser
{
    private readonly string _rule;
    private readonly List<CelToken> _tokens;
    private int _next;

    private CelParser(string rule)
    {
        _rule = rule;
        _tokens = CelLexer.Tokenize(rule);
    }

    /// <summary>Compiles <paramref name="rule"/>.</summary>
    /// <exception cref="CelUnsupportedException">The rule leaves the subset.</exception>
    public static Func<CelEnvironment, object?> Compile(string rule)
    {
        var parser = new CelParser(rule);
        var expression = parser.ParseConditional();
        parser.Expect(CelTokenKind.End, string.Empty);
        return expression;
    }

    private CelToken Peek => _tokens[_next];

    private bool TakeOperator(string op)
    {
        if (Peek.Kind == CelTokenKind.Operator && Peek.Text == op)
        {
            _next++;
            return true;
        }

        return false;
    }

    private CelToken Expect(CelTokenKind kind, string text)
    {
        var token = Peek;
        if (token.Kind != kind || (text.Length > 0 && token.Text != text))
        {
            throw new CelUnsupportedException(_rule, $"expected {(text.Length > 0 ? $"'{text}'" : kind.ToString())} at {token.Position}, found '{token.Text}'");
        }

        _next++;
        return token;
    }

    private Func<CelEnvironment, object?> ParseConditional()
    {
        var condition = ParseOr();
        if (!TakeOperator("?"))
        {
            return condition;
        }

        var whenTrue = ParseConditional();
        Expect(CelTokenKind.Operator, ":");
        var whenFalse = ParseConditional();
        return env => CelValues.AsBool(condition(env), "a ?: condition") ? whenTrue(env) : whenFalse(env);
    }

    private Func<CelEnvironment, object?> ParseOr()
    {
        var left = ParseAnd();
        while (TakeOperator("||"))
        {
            var (l, r) = (left, ParseAnd());
            left = env => LogicalOr(l, r, env);
        }

        return left;
    }

    private Func<CelEnvironment, object?> ParseAnd()
    {
        var left = ParseRelation();
        while (TakeOperator("&&"))
        {
            var (l, r) = (left, ParseRelation());
            left = env => !LogicalOr(e => !AsBoolOrError(l, e), e => !AsBoolOrError(r, e), env);
        }

        return left;
    }

    // CEL's commutative || : true wins over an error on either side.
    private static bool LogicalOr(Func<CelEnvironment, object?> left, Func<CelEnvironment, object?> right, CelEnvironment env)
    {
        CelEvaluationException? error = null;
        foreach (var side in new[] { left, right })
        {
            try
            {
                if (CelValues.AsBool(side(env), "an operand of || or &&"))
                {
                    return true;
                }
            }
            catch (CelEvaluationException e)
            {
                error ??= e;
            }
        }

        return error is null ? false : throw error;
    }

    private static bool AsBoolOrError(Func<CelEnvironment, object?> side, CelEnvironment env) =>
        CelValues.AsBool(side(env), "an operand of &&");

    private Func<CelEnvironment, object?> ParseRelation()
    {
        var left = ParseAdditive();
        while (Peek.Kind == CelTokenKind.Operator && Peek.Text is "==" or "!=" or "<" or "<=" or ">" or ">="
               || Peek is { Kind: CelTokenKind.Identifier, Text: "in" })
        {
            var op = Peek.Text;
            _next++;
            var (l, r) = (left, ParseAdditive());
            left = op switch
            {
                "==" => env => CelValues.Equals(l(env), r(env)),
                "!=" => env => !CelValues.Equals(l(env), r(env)),
                "<" => env => CelValues.Compare(l(env), r(env)) < 0,
                "<=" => env => CelValues.Compare(l(env), r(env)) <= 0,
                ">" => env => CelValues.Compare(l(env), r(env)) > 0,
                ">=" => env => CelValues.Compare(l(env), r(env)) >= 0,
                _ => env => In(l(env), r(env)),
            };
        }

        return left;
    }

    private static bool In(object? item, object? container) => container switch
    {
        JsonArray list => list.Any(element => CelValues.Equals(item, CelValues.FromJson(element))),
        JsonObject map => item is string key ? map.ContainsKey(key) : throw new CelEvaluationException("map keys are strings"),
        _ => throw new CelEvaluationException($"'in' needs a list or map, got {CelValues.Describe(container)}"),
    };

    private Func<CelEnvironment, object?> ParseAdditive()
    {
        var left = ParseMultiplicative();
        while (Peek.Kind == CelTokenKind.Operator && Peek.Text is "+" or "-")
        {
            var op = Peek.Text;
            _next++;
            var (l, r) = (left, ParseMultiplicative());
            left = env => Arithmetic(op, l(env), r(env));
        }

        return left;
    }

    private Func<CelEnvironment, object?> ParseMultiplicative()
    {
        var left = ParseUnary();
        while (Peek.Kind == CelTokenKind.Operator && Peek.Text is "*" or "/" or "%")
        {
            var op = Peek.Text;
            _next++;
            var (l, r) = (left, ParseUnary());
            left = env => Arithmetic(op, l(env), r(env));
        }

        return left;
    }

    private static object Arithmetic(string op, object? left, object? right) => (op, left, right) switch
    {
        ("+", string a, string b) => a + b,
        ("+", long a, long b) => checked(a + b),
        ("-", long a, long b) => checked(a - b),
        ("*", long a, long b) => checked(a * b),
        ("/", long a, long b) => b == 0 ? throw new CelEvaluationException("division by zero") : a / b,
        ("%", long a, long b) => b == 0 ? throw new CelEvaluationException("modulus by zero") : a % b,
        ("+", double a, double b) => a + b,
        ("-", double a, double b) => a - b,
        ("*", double a, double b) => a * b,
        ("/", double a, double b) => a / b,
        _ => throw new CelEvaluationException($"no '{op}' for {CelValues.Describe(left)} and {CelValues.Describe(right)}"),
    };

    private Func<CelEnvironment, object?> ParseUnary()
    {
        if (TakeOperator("!"))
        {
            var operand = ParseUnary();
            return env => !CelValues.AsBool(operand(env), "the operand of !");
        }

        if (TakeOperator("-"))
        {
            var operand = ParseUnary();
            return env => operand(env) switch
            {
                long l => -l,
                double d => -d,
                var other => throw new CelEvaluationException($"cannot negate {CelValues.Describe(other)}"),
            };
        }

        return ParseMember(ParsePrimary());
    }

    private Func<CelEnvironment, object?> ParseMember(Func<CelEnvironment, object?> target)
    {
        while (true)
        {
            if (TakeOperator("["))
            {
                var (t, index) = (target, ParseConditional());
                Expect(CelTokenKind.Operator, "]");
                target = env => Index(t(env), index(env));
            }
            else if (TakeOperator("."))
            {
                var name = Expect(CelTokenKind.Identifier, string.Empty).Text;
                target = TakeOperator("(") ? ParseMethod(target, name) : Select(target, name);
            }
            else
            {
                return target;
            }
        }
    }

    private static Func<CelEnvironment, object?> Select(Func<CelEnvironment, object?> target, string name) => env =>
        target(env) is JsonObject obj
            ? obj.TryGetPropertyValue(name, out var value)
                ? CelValues.FromJson(value)
                : throw new CelEvaluationException($"no such key: {name}")
            : throw new CelEvaluationException($"cannot select '{name}' from a non-object");

    private static object? Index(object? target, object? index) => (target, index) switch
    {
        (JsonArray list, long i) => i >= 0 && i < list.Count ? CelValues.FromJson(list[(int)i]) : throw new CelEvaluationException($"index {i} out of range"),
        (JsonObject map, string key) => map.TryGetPropertyValue(key, out var value) ? CelValues.FromJson(value) : throw new CelEvaluationException($"no such key: {key}"),
        _ => throw new CelEvaluationException($"cannot index {CelValues.Describe(target)} with {CelValues.Describe(index)}"),
    };

    private Func<CelEnvironment, object?> ParseMethod(Func<CelEnvironment, object?> target, string name)
    {
        if (name is "all" or "exists")
        {
            var variable = Expect(CelTokenKind.Identifier, string.Empty).Text;
            Expect(CelTokenKind.Operator, ",");
            var predicate = ParseConditional();
            Expect(CelTokenKind.Operator, ")");
            return env => Quantify(name, target(env), variable, predicate, env);
        }

        var arguments = ParseArguments();
        return (name, arguments.Count) switch
        {
            ("size", 0) => env => CelValues.Size(target(env)),
            ("startsWith", 1) => env => StringOf(target(env)).StartsWith(StringOf(arguments[0](env)), StringComparison.Ordinal),
            ("endsWith", 1) => env => StringOf(target(env)).EndsWith(StringOf(arguments[0](env)), StringComparison.Ordinal),
            ("contains", 1) => env => StringOf(target(env)).Contains(StringOf(arguments[0](env)), StringComparison.Ordinal),
            ("matches", 1) => env => Regex.IsMatch(StringOf(target(env)), StringOf(arguments[0](env)), RegexOptions.None, TimeSpan.FromSeconds(1)),
            _ => throw new CelUnsupportedException(_rule, $"method {name}/{arguments.Count}"),
        };
    }

    private static bool Quantify(string macro, object? range, string variable, Func<CelEnvironment, object?> predicate, CelEnvironment env)
    {
        IEnumerable<object?> items = range switch
        {
            JsonArray list => list.Select(CelValues.FromJson),
            JsonObject map => map.Select(p => (object?)p.Key),
            _ => throw new CelEvaluationException($"{macro}() needs a list or map, got {CelValues.Describe(range)}"),
        };
        var results = items.Select(item => CelValues.AsBool(predicate(env.With(variable, item)), $"the {macro}() predicate"));
        return macro == "all" ? results.All(r => r) : results.Any(r => r);
    }

    private static string StringOf(object? value) =>
        value as string ?? throw new CelEvaluationException($"expected a string, got {CelValues.Describe(value)}");

    private List<Func<CelEnvironment, object?>> ParseArguments()
    {
        var arguments = new List<Func<CelEnvironment, object?>>();
        if (TakeOperator(")"))
        {
            return arguments;
        }

        do
        {
            arguments.Add(ParseConditional());
        }
        while (TakeOperator(","));
        Expect(CelTokenKind.Operator, ")");
        return arguments;
    }

    private Func<CelEnvironment, object?> ParsePrimary()
    {
        var token = Peek;
        _next++;
        switch (token.Kind)
        {
            case CelTokenKind.Integer:
                var integer = long.Parse(token.Text, CultureInfo.InvariantCulture);
                return _ => integer;
            case CelTokenKind.Double:
                var real = double.Parse(token.Text, CultureInfo.InvariantCulture);
                return _ => real;
            case CelTokenKind.String:
                return _ => token.Text;
            case CelTokenKind.Operator when token.Text == "(":
                var inner = ParseConditional();
                Expect(CelTokenKind.Operator, ")");
                return inner;
            case CelTokenKind.Operator when token.Text == "[":
                return ParseListLiteral();
            case CelTokenKind.Identifier:
                return ParseIdentifier(token.Text);
            default:
                throw new CelUnsupportedException(_rule, $"unexpected '{token.Text}' at {token.Position}");
        }
    }

    private Func<CelEnvironment, object?> ParseListLiteral()
    {
        var items = new List<Func<CelEnvironment, object?>>();
        if (!TakeOperator("]"))
        {
            do
            {
                items.Add(ParseConditional());
            }
            while (TakeOperator(","));
            Expect(CelTokenKind.Operator, "]");
        }

        return env => new JsonArray(items.Select(item => ToJson(item(env))).ToArray());
    }

    private static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        JsonNode node => node.DeepClone(),
        bool b => JsonValue.Create(b),
        long l => JsonValue.Create(l),
        double d => JsonValue.Create(d),
        string s => JsonValue.Create(s),
        _ => throw new CelEvaluationException($"cannot put {CelValues.Describe(value)} in a list"),
    };

    private Func<CelEnvironment, object?> ParseIdentifier(string name)
    {
        switch (name)
        {
            case "true":
                return _ => true;
            case "false":
                return _ => false;
            case "null":
                return _ => null;
            case "has":
                return ParseHas();
        }

        if (!TakeOperator("("))
        {
            return env => env.Get(name);
        }

        var arguments = ParseArguments();
        return (name, arguments.Count) switch
        {
            ("size", 1) => env => CelValues.Size(arguments[0](env)),
            ("int", 1) => env => arguments[0](env) switch
            {
                long l => l,
                double d => (long)d,
                string s => long.Parse(s, CultureInfo.InvariantCulture),
                var other => throw new CelEvaluationException($"int() of {CelValues.Describe(other)}"),
            },
            ("string", 1) => env => Convert.ToString(arguments[0](env), CultureInfo.InvariantCulture),
            _ => throw new CelUnsupportedException(_rule, $"function {name}/{arguments.Count}"),
        };
    }

    // has(a.b.c): true when the last field is present on the object a.b evaluates to.
    private Func<CelEnvironment, object?> ParseHas()
    {
        Expect(CelTokenKind.Operator, "(");
        var target = ParsePrimary();
        string? field = null;
        while (TakeOperator("."))
        {
            if (field is not null)
            {
                target = Select(target, field);
            }

            field = Expect(CelTokenKind.Identifier, string.Empty).Text;
        }

        Expect(CelTokenKind.Operator, ")");
        if (field is null)
        {
            throw new CelUnsupportedException(_rule, "has() needs a field selection");
        }

        return env => target(env) is JsonObject obj
            ? obj.ContainsKey(field)
            : throw new CelEvaluationException($"has() on a non-object selecting '{field}'");
    }
}
