using System.Globalization;

namespace Cryo.Deploy.Tests.Crds.Cel;

/// <summary>
/// Parses the subset of CEL that CRD validation rules commonly use into a <see cref="CelExpr"/> tree:
/// literals, self/oldSelf and macro variables, field selection and indexing, has(), the operators
/// (! - * / % + - == != &lt; &lt;= &gt; &gt;= in &amp;&amp; || ?:), list literals, calls, and the all/exists macros.
/// Which functions exist is for the users of the tree to say (<see cref="CelCompiler"/> refuses what it
/// cannot evaluate), so a new rule is never silently skipped.
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

    /// <summary>Parses <paramref name="rule"/>.</summary>
    /// <exception cref="CelUnsupportedException">The rule leaves the grammar of the subset.</exception>
    public static CelExpr Parse(string rule)
    {
        var parser = new CelParser(rule);
        var expression = parser.ParseConditional();
        parser.Expect(CelTokenKind.End, string.Empty);
        return expression;
    }

    /// <summary>Parses and compiles <paramref name="rule"/> into a function of the environment.</summary>
    /// <exception cref="CelUnsupportedException">The rule leaves the subset.</exception>
    public static Func<CelEnvironment, object?> Compile(string rule) => CelCompiler.Compile(Parse(rule), rule);

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

    private static CelExpr.Call Operator(string function, int position, params CelExpr[] args) => new(function, null, args, position);

    private CelExpr ParseConditional()
    {
        var condition = ParseOr();
        var position = Peek.Position;
        if (!TakeOperator("?"))
        {
            return condition;
        }

        var whenTrue = ParseConditional();
        Expect(CelTokenKind.Operator, ":");
        var whenFalse = ParseConditional();
        return Operator("_?_:_", position, condition, whenTrue, whenFalse);
    }

    private CelExpr ParseOr()
    {
        var left = ParseAnd();
        while (Peek is { Kind: CelTokenKind.Operator, Text: "||" } token)
        {
            _next++;
            left = Operator("_||_", token.Position, left, ParseAnd());
        }

        return left;
    }

    private CelExpr ParseAnd()
    {
        var left = ParseRelation();
        while (Peek is { Kind: CelTokenKind.Operator, Text: "&&" } token)
        {
            _next++;
            left = Operator("_&&_", token.Position, left, ParseRelation());
        }

        return left;
    }

    private CelExpr ParseRelation()
    {
        var left = ParseAdditive();
        while (Peek.Kind == CelTokenKind.Operator && Peek.Text is "==" or "!=" or "<" or "<=" or ">" or ">="
               || Peek is { Kind: CelTokenKind.Identifier, Text: "in" })
        {
            var token = Peek;
            _next++;
            var function = token.Text == "in" ? "@in" : $"_{token.Text}_";
            left = Operator(function, token.Position, left, ParseAdditive());
        }

        return left;
    }

    private CelExpr ParseAdditive()
    {
        var left = ParseMultiplicative();
        while (Peek is { Kind: CelTokenKind.Operator, Text: "+" or "-" } token)
        {
            _next++;
            left = Operator($"_{token.Text}_", token.Position, left, ParseMultiplicative());
        }

        return left;
    }

    private CelExpr ParseMultiplicative()
    {
        var left = ParseUnary();
        while (Peek is { Kind: CelTokenKind.Operator, Text: "*" or "/" or "%" } token)
        {
            _next++;
            left = Operator($"_{token.Text}_", token.Position, left, ParseUnary());
        }

        return left;
    }

    private CelExpr ParseUnary()
    {
        var position = Peek.Position;
        if (TakeOperator("!"))
        {
            return Operator("!_", position, ParseUnary());
        }

        if (TakeOperator("-"))
        {
            return Operator("-_", position, ParseUnary());
        }

        return ParseMember(ParsePrimary());
    }

    private CelExpr ParseMember(CelExpr target)
    {
        while (true)
        {
            var position = Peek.Position;
            if (TakeOperator("["))
            {
                var index = ParseConditional();
                Expect(CelTokenKind.Operator, "]");
                target = Operator("_[_]", position, target, index);
            }
            else if (TakeOperator("."))
            {
                var name = Expect(CelTokenKind.Identifier, string.Empty).Text;
                target = TakeOperator("(") ? ParseMethod(target, name, position) : new CelExpr.Select(target, name, false, position);
            }
            else
            {
                return target;
            }
        }
    }

    private CelExpr ParseMethod(CelExpr target, string name, int position)
    {
        if (name is "all" or "exists")
        {
            var variable = Expect(CelTokenKind.Identifier, string.Empty).Text;
            Expect(CelTokenKind.Operator, ",");
            var predicate = ParseConditional();
            Expect(CelTokenKind.Operator, ")");
            return new CelExpr.Comprehension(name, target, variable, predicate, position);
        }

        return new CelExpr.Call(name, target, ParseArguments(), position);
    }

    private List<CelExpr> ParseArguments()
    {
        var arguments = new List<CelExpr>();
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

    private CelExpr ParsePrimary()
    {
        var token = Peek;
        _next++;
        switch (token.Kind)
        {
            case CelTokenKind.Integer:
                return new CelExpr.Literal(long.Parse(token.Text, CultureInfo.InvariantCulture), token.Position);
            case CelTokenKind.Double:
                return new CelExpr.Literal(double.Parse(token.Text, CultureInfo.InvariantCulture), token.Position);
            case CelTokenKind.String:
                return new CelExpr.Literal(token.Text, token.Position);
            case CelTokenKind.Operator when token.Text == "(":
                var inner = ParseConditional();
                Expect(CelTokenKind.Operator, ")");
                return inner;
            case CelTokenKind.Operator when token.Text == "[":
                return ParseListLiteral(token.Position);
            case CelTokenKind.Identifier:
                return ParseIdentifier(token);
            default:
                throw new CelUnsupportedException(_rule, $"unexpected '{token.Text}' at {token.Position}");
        }
    }

    private CelExpr.CreateList ParseListLiteral(int position)
    {
        var items = new List<CelExpr>();
        if (!TakeOperator("]"))
        {
            do
            {
                items.Add(ParseConditional());
            }
            while (TakeOperator(","));
            Expect(CelTokenKind.Operator, "]");
        }

        return new CelExpr.CreateList(items, position);
    }

    private CelExpr ParseIdentifier(CelToken token)
    {
        switch (token.Text)
        {
            case "true":
                return new CelExpr.Literal(true, token.Position);
            case "false":
                return new CelExpr.Literal(false, token.Position);
            case "null":
                return new CelExpr.Literal(null, token.Position);
            case "has":
                return ParseHas(token.Position);
        }

        return TakeOperator("(")
            ? new CelExpr.Call(token.Text, null, ParseArguments(), token.Position)
            : new CelExpr.Ident(token.Text, token.Position);
    }

    // has(a.b.c): true when the last field is present on the object a.b evaluates to.
    private CelExpr.Select ParseHas(int position)
    {
        Expect(CelTokenKind.Operator, "(");
        var target = ParsePrimary();
        string? field = null;
        var fieldPosition = position;
        while (Peek is { Kind: CelTokenKind.Operator, Text: "." } dot)
        {
            _next++;
            if (field is not null)
            {
                target = new CelExpr.Select(target, field, false, fieldPosition);
            }

            fieldPosition = dot.Position;
            field = Expect(CelTokenKind.Identifier, string.Empty).Text;
        }

        Expect(CelTokenKind.Operator, ")");
        return field is null
            ? throw new CelUnsupportedException(_rule, "has() needs a field selection")
            : new CelExpr.Select(target, field, true, position);
    }
}
