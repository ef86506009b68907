using System.Collections.Immutable;

namespace Cryo.Deploy.Tests.Crds.Cel;

/// <summary>
/// Types a <see cref="CelExpr"/> against the CEL type of the schema node it sits on and estimates its
/// worst-case cost the way the API server does when a CRD is created (cel-go checker/cost.go with the
/// API server's size estimator): a variable or field costs 1; comparing or scanning a string costs 0.1
/// per byte of its largest possible size; matches() costs the string's traversal times 0.25 per regex
/// character; <c>in</c> over a list and the all/exists macros cost per possible item; sizes come from
/// maxLength (times four bytes), maxItems and maxProperties, or from filling a 3 MiB request when absent.
/// </summary>
/// <remarks>
/// Where this differs from the API server it estimates higher, never lower: has() is charged 1 besides its
/// operand (the API server charges 0 for the test), and map keys are taken as unbounded strings (the API
/// server gives them no size). Functions outside the subset are errors, not guesses. The remaining
/// arithmetic follows cel-go step by step; the tests pin it to costs from the API server's own tests.
/// </remarks>
public sealed class CelCostEstimator
{
    private readonly CelType _self;
    private readonly List<string> _errors = [];
    private bool _usesOldSelf;

    private CelCostEstimator(CelType self) => _self = self;

    /// <summary>Types and prices <paramref name="expression"/> with self (and oldSelf) of type <paramref name="self"/>.</summary>
    public static CelCostEstimate Estimate(CelExpr expression, CelType self)
    {
        var estimator = new CelCostEstimator(self);
        var result = estimator.Visit(expression, ImmutableDictionary<string, Info>.Empty);
        return new CelCostEstimate(estimator._errors.Count == 0 ? result.Type : null, result.Cost, estimator._usesOldSelf, estimator._errors);
    }

    // The type of a sub-expression, its worst-case cost, the largest size() it can have, and for a
    // list or map the largest size of one item and of one key.
    private sealed record Info(CelType Type, ulong Cost, ulong Size, ulong ItemSize = 1, ulong KeySize = 1);

    private static Info FromDeclaration(CelType type, ulong cost) => new(
        type,
        cost,
        SizeOf(type),
        type.Element is { } element ? SizeOf(element) : 1,
        type.Key is { } key ? SizeOf(key) : 1);

    // What the API server's size estimator answers for a value read from the object: the declared bound.
    private static ulong SizeOf(CelType type) => type.MaxElements;

    private static Info Scalar(CelKind kind, ulong cost) => new(CelType.Simple(kind, 1, 1), cost, 1);

    private Info Error(string message, ulong cost = 0)
    {
        _errors.Add(message);
        return new Info(CelType.Dyn(), cost, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue);
    }

    private Info Visit(CelExpr expression, ImmutableDictionary<string, Info> scope) => expression switch
    {
        CelExpr.Literal literal => VisitLiteral(literal),
        CelExpr.Ident ident => VisitIdent(ident, scope),
        CelExpr.Select select => VisitSelect(select, scope),
        CelExpr.CreateList list => VisitList(list, scope),
        CelExpr.Comprehension comprehension => VisitComprehension(comprehension, scope),
        CelExpr.Call call => VisitCall(call, scope),
        _ => Error($"unsupported expression {expression.GetType().Name}"),
    };

    private static Info VisitLiteral(CelExpr.Literal literal) => literal.Value switch
    {
        null => new Info(CelType.Simple(CelKind.Null, 1, 4), 0, 1),
        bool => Scalar(CelKind.Bool, 0),
        long => Scalar(CelKind.Int, 0),
        double => Scalar(CelKind.Double, 0),
        string text => new Info(CelType.Simple(CelKind.String, (ulong)text.EnumerateRunes().Count(), 2), 0, (ulong)text.EnumerateRunes().Count()),
        _ => Scalar(CelKind.Dyn, 0),
    };

    private Info VisitIdent(CelExpr.Ident ident, ImmutableDictionary<string, Info> scope)
    {
        if (scope.TryGetValue(ident.Name, out var variable))
        {
            return variable;
        }

        switch (ident.Name)
        {
            case "self":
                return FromDeclaration(_self, CelCostLimits.SelectAndIdentCost);
            case "oldSelf":
                _usesOldSelf = true;
                return FromDeclaration(_self, CelCostLimits.SelectAndIdentCost);
            default:
                return Error($"undeclared reference to '{ident.Name}' at {ident.Position}", CelCostLimits.SelectAndIdentCost);
        }
    }

    private Info VisitSelect(CelExpr.Select select, ImmutableDictionary<string, Info> scope)
    {
        var operand = Visit(select.Operand, scope);
        var cost = Add(operand.Cost, CelCostLimits.SelectAndIdentCost);
        CelType? field = operand.Type.Kind switch
        {
            CelKind.Object => operand.Type.Fields.TryGetValue(select.Field, out var declared) ? declared : null,
            CelKind.Map => operand.Type.Element,
            CelKind.Dyn => CelType.Dyn(ulong.MaxValue),
            _ => null,
        };
        if (field is null)
        {
            return operand.Type.Kind == CelKind.Object
                ? Error($"undefined field '{select.Field}' at {select.Position}", cost)
                : Error($"type '{operand.Type}' does not support field selection at {select.Position}", cost);
        }

        return select.TestOnly ? Scalar(CelKind.Bool, cost) : FromDeclaration(field, cost);
    }

    private Info VisitList(CelExpr.CreateList list, ImmutableDictionary<string, Info> scope)
    {
        var items = list.Items.Select(item => Visit(item, scope)).ToList();
        var kinds = items.Select(i => i.Type.Kind).Where(k => k is not (CelKind.Dyn or CelKind.Null)).Distinct().ToList();
        if (kinds.Count > 1)
        {
            Error($"expected type '{kinds[0].ToString().ToLowerInvariant()}' but found '{kinds[1].ToString().ToLowerInvariant()}' in the list at {list.Position}");
        }

        var element = items.FirstOrDefault(i => i.Type.Kind is not (CelKind.Dyn or CelKind.Null))?.Type ?? CelType.Dyn();
        var cost = items.Aggregate(CelCostLimits.CreateListBaseCost, (sum, i) => Add(sum, i.Cost));
        var itemSize = items.Select(i => i.Size).DefaultIfEmpty(0UL).Max();
        return new Info(CelType.List(element, (ulong)items.Count), cost, (ulong)items.Count, itemSize);
    }

    // all(x, p) expands to a loop whose condition and step cost 3 per item besides p; exists(x, p) to 4.
    private Info VisitComprehension(CelExpr.Comprehension comprehension, ImmutableDictionary<string, Info> scope)
    {
        var range = Visit(comprehension.Range, scope);
        Info variable = range.Type.Kind switch
        {
            CelKind.List => new Info(range.Type.Element!, CelCostLimits.SelectAndIdentCost, range.ItemSize, ElementItemSize(range.Type.Element!), ElementKeySize(range.Type.Element!)),
            CelKind.Map => new Info(range.Type.Key!, CelCostLimits.SelectAndIdentCost, range.KeySize),
            CelKind.Dyn => new Info(CelType.Dyn(), CelCostLimits.SelectAndIdentCost, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue),
            _ => Error($"{comprehension.Macro}() needs a list or map, got '{range.Type}' at {comprehension.Position}"),
        };
        var predicate = Visit(comprehension.Predicate, scope.SetItem(comprehension.Variable, variable with { Cost = CelCostLimits.SelectAndIdentCost }));
        RequireBool(predicate, $"the {comprehension.Macro}() predicate");
        var perItem = Add(predicate.Cost, comprehension.Macro == "all" ? 3UL : 4UL);
        var cost = Add(Add(range.Cost, 1), Multiply(range.Size, perItem));
        return Scalar(CelKind.Bool, cost);
    }

    private static ulong ElementItemSize(CelType element) => element.Element is { } inner ? SizeOf(inner) : 1;

    private static ulong ElementKeySize(CelType element) => element.Key is { } key ? SizeOf(key) : 1;

    private void RequireBool(Info info, string what)
    {
        if (info.Type.Kind is not (CelKind.Bool or CelKind.Dyn))
        {
            Error($"{what} must be bool, found '{info.Type}'");
        }
    }

    private Info VisitCall(CelExpr.Call call, ImmutableDictionary<string, Info> scope)
    {
        var target = call.Target is null ? null : Visit(call.Target, scope);
        var args = call.Args.Select(a => Visit(a, scope)).ToList();
        var argCost = args.Aggregate(target?.Cost ?? 0UL, (sum, a) => Add(sum, a.Cost));
        return (call.Function, target, args.Count) switch
        {
            ("_&&_" or "_||_", null, 2) => Logical(call, args),
            ("!_", null, 1) => Not(args[0]),
            ("-_", null, 1) => Negate(call, args[0]),
            ("_?_:_", null, 3) => Conditional(call, args),
            ("_==_" or "_!=_", null, 2) => Equality(call, args[0], args[1]),
            ("_<_" or "_<=_" or "_>_" or "_>=_", null, 2) => Ordering(call, args[0], args[1]),
            ("@in", null, 2) => In(call, args[0], args[1]),
            ("_+_", null, 2) => Plus(call, args[0], args[1]),
            ("_-_" or "_*_" or "_/_" or "_%_", null, 2) => Arithmetic(call, args[0], args[1]),
            ("_[_]", null, 2) => Index(call, args[0], args[1]),
            ("size", null, 1) => Size(call, args[0], argCost),
            ("size", not null, 0) => Size(call, target!, argCost),
            ("startsWith" or "endsWith", not null, 1) => StringMethod(call, target!, args[0], Add(argCost, Factor(args[0].Size, CelCostLimits.StringTraversalCostFactor))),
            ("contains", not null, 1) => StringMethod(call, target!, args[0], Add(argCost, Multiply(
                Factor(target!.Size, CelCostLimits.StringTraversalCostFactor),
                Factor(args[0].Size, CelCostLimits.StringTraversalCostFactor)))),
            ("matches", not null, 1) => Matches(call, target!, args[0], argCost),
            ("int" or "uint" or "double" or "string", null, 1) => Conversion(call, args[0], argCost),
            _ => Error($"function {call.Function}/{args.Count}{(target is null ? string.Empty : " (method)")} at {call.Position} is outside the CEL subset this checker can type and price", argCost),
        };
    }

    private Info Logical(CelExpr.Call call, List<Info> args)
    {
        RequireBool(args[0], $"the left operand of {call.Function}");
        RequireBool(args[1], $"the right operand of {call.Function}");
        return Scalar(CelKind.Bool, Add(args[0].Cost, args[1].Cost));
    }

    private Info Not(Info operand)
    {
        RequireBool(operand, "the operand of !");
        return Scalar(CelKind.Bool, Add(operand.Cost, 1));
    }

    private Info Negate(CelExpr.Call call, Info operand) => operand.Type.Kind is CelKind.Int or CelKind.Double or CelKind.Dyn
        ? Scalar(operand.Type.Kind, Add(operand.Cost, 1))
        : NoOverload(call, operand);

    private Info Conditional(CelExpr.Call call, List<Info> args)
    {
        RequireBool(args[0], "the ?: condition");
        var (whenTrue, whenFalse) = (args[1], args[2]);
        if (!Comparable(whenTrue.Type, whenFalse.Type))
        {
            return NoOverload(call, args.ToArray());
        }

        var type = whenTrue.Type.Kind is CelKind.Null or CelKind.Dyn ? whenFalse.Type : whenTrue.Type;
        return new Info(
            type,
            Add(args[0].Cost, Math.Max(whenTrue.Cost, whenFalse.Cost)),
            Math.Max(whenTrue.Size, whenFalse.Size),
            Math.Max(whenTrue.ItemSize, whenFalse.ItemSize),
            Math.Max(whenTrue.KeySize, whenFalse.KeySize));
    }

    // Equality walks the smaller operand: 0.1 per unit of its largest size.
    private Info Equality(CelExpr.Call call, Info left, Info right) => Comparable(left.Type, right.Type)
        ? Scalar(CelKind.Bool, Add(Add(left.Cost, right.Cost), Factor(Math.Min(left.Size, right.Size), CelCostLimits.StringTraversalCostFactor)))
        : NoOverload(call, left, right);

    private Info Ordering(CelExpr.Call call, Info left, Info right)
    {
        var numeric = IsNumeric(left.Type.Kind) && IsNumeric(right.Type.Kind);
        var sameOrdered = left.Type.Kind == right.Type.Kind
            && left.Type.Kind is CelKind.String or CelKind.Bytes or CelKind.Timestamp or CelKind.Duration or CelKind.Bool;
        var dynamic = left.Type.Kind == CelKind.Dyn || right.Type.Kind == CelKind.Dyn;
        if (!numeric && !sameOrdered && !dynamic)
        {
            return NoOverload(call, left, right);
        }

        var compare = left.Type.Kind is CelKind.String or CelKind.Bytes || dynamic
            ? Factor(Math.Min(left.Size, right.Size), CelCostLimits.StringTraversalCostFactor)
            : 1;
        return Scalar(CelKind.Bool, Add(Add(left.Cost, right.Cost), compare));
    }

    private Info In(CelExpr.Call call, Info item, Info container) => container.Type.Kind switch
    {
        CelKind.List when Comparable(item.Type, container.Type.Element!) => Scalar(CelKind.Bool, Add(Add(item.Cost, container.Cost), container.Size)),
        CelKind.Map when Comparable(item.Type, container.Type.Key!) => Scalar(CelKind.Bool, Add(Add(item.Cost, container.Cost), 1)),
        CelKind.Dyn => Scalar(CelKind.Bool, Add(Add(item.Cost, container.Cost), container.Size)),
        _ => NoOverload(call, item, container),
    };

    private Info Plus(CelExpr.Call call, Info left, Info right)
    {
        var cost = Add(left.Cost, right.Cost);
        return (left.Type.Kind, right.Type.Kind) switch
        {
            (CelKind.String, CelKind.String) or (CelKind.Bytes, CelKind.Bytes) => new Info(
                left.Type,
                Add(cost, Factor(Add(left.Size, right.Size), CelCostLimits.StringTraversalCostFactor)),
                Add(left.Size, right.Size)),
            (CelKind.List, CelKind.List) when Comparable(left.Type.Element!, right.Type.Element!) => new Info(
                left.Type,
                Add(cost, 1),
                Add(left.Size, right.Size),
                Math.Max(left.ItemSize, right.ItemSize)),
            (CelKind.Int, CelKind.Int) or (CelKind.Uint, CelKind.Uint) or (CelKind.Double, CelKind.Double)
                or (CelKind.Duration, CelKind.Duration) => Scalar(left.Type.Kind, Add(cost, 1)),
            (CelKind.Timestamp, CelKind.Duration) or (CelKind.Duration, CelKind.Timestamp) => Scalar(CelKind.Timestamp, Add(cost, 1)),
            (CelKind.Dyn, _) or (_, CelKind.Dyn) => new Info(CelType.Dyn(), Add(cost, Factor(Add(left.Size, right.Size), CelCostLimits.StringTraversalCostFactor)), ulong.MaxValue),
            _ => NoOverload(call, left, right),
        };
    }

    private Info Arithmetic(CelExpr.Call call, Info left, Info right)
    {
        var sameNumber = left.Type.Kind == right.Type.Kind && IsNumeric(left.Type.Kind) && !(call.Function == "_%_" && left.Type.Kind == CelKind.Double);
        var timeMinus = call.Function == "_-_" && left.Type.Kind is CelKind.Timestamp or CelKind.Duration && right.Type.Kind is CelKind.Timestamp or CelKind.Duration;
        if (left.Type.Kind == CelKind.Dyn || right.Type.Kind == CelKind.Dyn)
        {
            return Scalar(CelKind.Dyn, Add(Add(left.Cost, right.Cost), 1));
        }

        return sameNumber || timeMinus
            ? Scalar(timeMinus ? CelKind.Duration : left.Type.Kind, Add(Add(left.Cost, right.Cost), 1))
            : NoOverload(call, left, right);
    }

    private Info Index(CelExpr.Call call, Info container, Info index)
    {
        var cost = Add(Add(container.Cost, index.Cost), 1);
        return container.Type.Kind switch
        {
            CelKind.List when index.Type.Kind is CelKind.Int or CelKind.Uint or CelKind.Dyn => ItemOf(container.Type.Element!, cost, container.ItemSize),
            CelKind.Map when Comparable(index.Type, container.Type.Key!) => ItemOf(container.Type.Element!, cost, container.ItemSize),
            CelKind.Dyn => new Info(CelType.Dyn(), cost, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue),
            _ => NoOverload(call, container, index),
        };
    }

    private static Info ItemOf(CelType type, ulong cost, ulong size) =>
        FromDeclaration(type, cost) with { Size = size };

    private Info Size(CelExpr.Call call, Info operand, ulong argCost) =>
        operand.Type.Kind is CelKind.String or CelKind.Bytes or CelKind.List or CelKind.Map or CelKind.Dyn
            ? Scalar(CelKind.Int, Add(argCost, 1))
            : NoOverload(call, operand);

    private Info StringMethod(CelExpr.Call call, Info target, Info argument, ulong cost) =>
        target.Type.Kind is CelKind.String or CelKind.Dyn && argument.Type.Kind is CelKind.String or CelKind.Dyn
            ? Scalar(CelKind.Bool, cost)
            : NoOverload(call, target, argument);

    // RE2 is linear in the string but its automaton grows with the pattern: string traversal times
    // 0.25 per regex character (cel-go's guess of one regex term per four characters).
    private Info Matches(CelExpr.Call call, Info target, Info pattern, ulong argCost)
    {
        if (call.Args[0] is CelExpr.Literal { Value: string literal } && RegexSyntax.Problem(literal) is { } problem)
        {
            Error($"invalid regular expression '{literal}' at {call.Args[0].Position}: {problem}");
        }

        var cost = Multiply(
            Factor(Add(target.Size, 1), CelCostLimits.StringTraversalCostFactor),
            Factor(pattern.Size, CelCostLimits.RegexStringLengthCostFactor));
        return StringMethod(call, target, pattern, Add(argCost, cost));
    }

    private Info Conversion(CelExpr.Call call, Info operand, ulong argCost)
    {
        var (kind, allowed) = call.Function switch
        {
            "int" => (CelKind.Int, new[] { CelKind.Int, CelKind.Uint, CelKind.Double, CelKind.String, CelKind.Timestamp }),
            "uint" => (CelKind.Uint, [CelKind.Int, CelKind.Uint, CelKind.Double, CelKind.String]),
            "double" => (CelKind.Double, [CelKind.Int, CelKind.Uint, CelKind.Double, CelKind.String]),
            _ => (CelKind.String, [CelKind.Int, CelKind.Uint, CelKind.Double, CelKind.String, CelKind.Bytes, CelKind.Bool, CelKind.Timestamp, CelKind.Duration]),
        };
        if (operand.Type.Kind != CelKind.Dyn && !allowed.Contains(operand.Type.Kind))
        {
            return NoOverload(call, operand);
        }

        // A computed string has no size the estimator can see: the next consumer pays for an unknown size.
        return kind == CelKind.String
            ? new Info(CelType.Simple(CelKind.String, ulong.MaxValue, 2), Add(argCost, 1), ulong.MaxValue)
            : Scalar(kind, Add(argCost, 1));
    }

    private Info NoOverload(CelExpr.Call call, params Info[] operands) =>
        Error($"found no matching overload for '{call.Function}' applied to '({string.Join(", ", operands.Select(o => o.Type))})' at {call.Position}",
            operands.Aggregate(0UL, (sum, o) => Add(sum, o.Cost)));

    private static bool IsNumeric(CelKind kind) => kind is CelKind.Int or CelKind.Uint or CelKind.Double;

    // CEL's == takes two values of one type; dyn and null match anything.
    private static bool Comparable(CelType left, CelType right) =>
        left.Kind is CelKind.Dyn or CelKind.Null || right.Kind is CelKind.Dyn or CelKind.Null || left.Kind == right.Kind;

    private static ulong Add(ulong a, ulong b) => a > ulong.MaxValue - b ? ulong.MaxValue : a + b;

    private static ulong Multiply(ulong a, ulong b) => b != 0 && a > ulong.MaxValue / b ? ulong.MaxValue : a * b;

    // cel-go's MultiplyByCostFactor: rounded up, saturating.
    private static ulong Factor(ulong size, double factor)
    {
        var product = Math.Ceiling(size * factor);
        return product >= 18446744073709551615.0 ? ulong.MaxValue : (ulong)product;
    }
}
