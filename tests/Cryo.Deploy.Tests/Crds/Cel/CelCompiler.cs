using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Cryo.Deploy.Tests.Crds.Cel;

/// <summary>
/// Turns a <see cref="CelExpr"/> into a function of the environment with CEL's runtime semantics over JSON
/// (<see cref="CelValues"/>): size/int/string, the string methods startsWith/endsWith/contains/matches,
/// and the all/exists macros besides the operators. Anything else is refused with
/// <see cref="CelUnsupportedException"/> when compiling, never when evaluating.
/// </summary>
public static class CelCompiler
{
    /// <summary>Compiles <paramref name="expression"/>, parsed from <paramref name="rule"/> (named in errors).</summary>
    /// <exception cref="CelUnsupportedException">The expression calls a function outside the subset.</exception>
    public static Func<CelEnvironment, object?> Compile(CelExpr expression, string rule) => expression switch
    {
        CelExpr.Literal literal => _ => literal.Value,
        CelExpr.Ident ident => env => env.Get(ident.Name),
        CelExpr.Select { TestOnly: true } has => CompileHas(has, rule),
        CelExpr.Select select => CompileSelect(Compile(select.Operand, rule), select.Field),
        CelExpr.CreateList list => CompileList(list, rule),
        CelExpr.Comprehension comprehension => CompileComprehension(comprehension, rule),
        CelExpr.Call { Target: null } call when IsOperator(call.Function) => CompileOperator(call, rule),
        CelExpr.Call { Target: { } target } call => CompileMethod(call.Function, Compile(target, rule), call.Args.Select(a => Compile(a, rule)).ToList(), rule),
        CelExpr.Call call => CompileFunction(call.Function, call.Args.Select(a => Compile(a, rule)).ToList(), rule),
        _ => throw new CelUnsupportedException(rule, $"expression {expression.GetType().Name}"),
    };

    private static bool IsOperator(string function) => function.StartsWith('_') || function is "!_" or "-_" or "@in";

    private static Func<CelEnvironment, object?> CompileOperator(CelExpr.Call call, string rule)
    {
        var args = call.Args.Select(a => Compile(a, rule)).ToList();
        return (call.Function, args.Count) switch
        {
            ("_?_:_", 3) => env => CelValues.AsBool(args[0](env), "a ?: condition") ? args[1](env) : args[2](env),
            ("_||_", 2) => env => LogicalOr(args[0], args[1], env),
            ("_&&_", 2) => env => !LogicalOr(e => !AsBool(args[0], e, "&&"), e => !AsBool(args[1], e, "&&"), env),
            ("_==_", 2) => env => CelValues.Equals(args[0](env), args[1](env)),
            ("_!=_", 2) => env => !CelValues.Equals(args[0](env), args[1](env)),
            ("_<_", 2) => env => CelValues.Compare(args[0](env), args[1](env)) < 0,
            ("_<=_", 2) => env => CelValues.Compare(args[0](env), args[1](env)) <= 0,
            ("_>_", 2) => env => CelValues.Compare(args[0](env), args[1](env)) > 0,
            ("_>=_", 2) => env => CelValues.Compare(args[0](env), args[1](env)) >= 0,
            ("@in", 2) => env => In(args[0](env), args[1](env)),
            ("_+_" or "_-_" or "_*_" or "_/_" or "_%_", 2) => env => Arithmetic(call.Function[1..^1], args[0](env), args[1](env)),
            ("!_", 1) => env => !CelValues.AsBool(args[0](env), "the operand of !"),
            ("-_", 1) => env => args[0](env) switch
            {
                long l => -l,
                double d => -d,
                var other => throw new CelEvaluationException($"cannot negate {CelValues.Describe(other)}"),
            },
            ("_[_]", 2) => env => Index(args[0](env), args[1](env)),
            _ => throw new CelUnsupportedException(rule, $"operator {call.Function}/{args.Count}"),
        };
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

    private static bool AsBool(Func<CelEnvironment, object?> side, CelEnvironment env, string op) =>
        CelValues.AsBool(side(env), $"an operand of {op}");

    private static bool In(object? item, object? container) => container switch
    {
        JsonArray list => list.Any(element => CelValues.Equals(item, CelValues.FromJson(element))),
        JsonObject map => item is string key ? map.ContainsKey(key) : throw new CelEvaluationException("map keys are strings"),
        _ => throw new CelEvaluationException($"'in' needs a list or map, got {CelValues.Describe(container)}"),
    };

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

    private static Func<CelEnvironment, object?> CompileSelect(Func<CelEnvironment, object?> target, string name) => env =>
        target(env) is JsonObject obj
            ? obj.TryGetPropertyValue(name, out var value)
                ? CelValues.FromJson(value)
                : throw new CelEvaluationException($"no such key: {name}")
            : throw new CelEvaluationException($"cannot select '{name}' from a non-object");

    private static Func<CelEnvironment, object?> CompileHas(CelExpr.Select has, string rule)
    {
        var target = Compile(has.Operand, rule);
        return env => target(env) is JsonObject obj
            ? obj.ContainsKey(has.Field)
            : throw new CelEvaluationException($"has() on a non-object selecting '{has.Field}'");
    }

    private static object? Index(object? target, object? index) => (target, index) switch
    {
        (JsonArray list, long i) => i >= 0 && i < list.Count ? CelValues.FromJson(list[(int)i]) : throw new CelEvaluationException($"index {i} out of range"),
        (JsonObject map, string key) => map.TryGetPropertyValue(key, out var value) ? CelValues.FromJson(value) : throw new CelEvaluationException($"no such key: {key}"),
        _ => throw new CelEvaluationException($"cannot index {CelValues.Describe(target)} with {CelValues.Describe(index)}"),
    };

    private static Func<CelEnvironment, object?> CompileMethod(
        string name, Func<CelEnvironment, object?> target, List<Func<CelEnvironment, object?>> arguments, string rule) =>
        (name, arguments.Count) switch
        {
            ("size", 0) => env => CelValues.Size(target(env)),
            ("startsWith", 1) => env => StringOf(target(env)).StartsWith(StringOf(arguments[0](env)), StringComparison.Ordinal),
            ("endsWith", 1) => env => StringOf(target(env)).EndsWith(StringOf(arguments[0](env)), StringComparison.Ordinal),
            ("contains", 1) => env => StringOf(target(env)).Contains(StringOf(arguments[0](env)), StringComparison.Ordinal),
            ("matches", 1) => env => Regex.IsMatch(StringOf(target(env)), StringOf(arguments[0](env)), RegexOptions.None, TimeSpan.FromSeconds(1)),
            _ => throw new CelUnsupportedException(rule, $"method {name}/{arguments.Count}"),
        };

    private static Func<CelEnvironment, object?> CompileFunction(string name, List<Func<CelEnvironment, object?>> arguments, string rule) =>
        (name, arguments.Count) switch
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
            _ => throw new CelUnsupportedException(rule, $"function {name}/{arguments.Count}"),
        };

    private static Func<CelEnvironment, object?> CompileList(CelExpr.CreateList list, string rule)
    {
        var items = list.Items.Select(item => Compile(item, rule)).ToList();
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

    private static Func<CelEnvironment, object?> CompileComprehension(CelExpr.Comprehension comprehension, string rule)
    {
        var range = Compile(comprehension.Range, rule);
        var predicate = Compile(comprehension.Predicate, rule);
        return env =>
        {
            IEnumerable<object?> items = range(env) switch
            {
                JsonArray list => list.Select(CelValues.FromJson),
                JsonObject map => map.Select(p => (object?)p.Key),
                var other => throw new CelEvaluationException($"{comprehension.Macro}() needs a list or map, got {CelValues.Describe(other)}"),
            };
            var results = items.Select(item => CelValues.AsBool(predicate(env.With(comprehension.Variable, item)), $"the {comprehension.Macro}() predicate"));
            return comprehension.Macro == "all" ? results.All(r => r) : results.Any(r => r);
        };
    }

    private static string StringOf(object? value) =>
        value as string ?? throw new CelEvaluationException($"expected a string, got {CelValues.Describe(value)}");
}
