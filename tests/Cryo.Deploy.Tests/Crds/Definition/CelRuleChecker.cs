using System.Text.Json.Nodes;

namespace Cryo.Deploy.Tests.Crds.Definition;

/// <summary>
/// Compiles and prices the x-kubernetes-validations of one schema node as the API server does when a CRD is
/// created: each rule must type-check to a bool against the node's CEL type, may read oldSelf only where old
/// and new values correlate, and its estimated cost (<see cref="CelCostEstimator"/>) times the number of
/// times it can run must stay within <see cref="CelCostLimits.StaticEstimatedCostLimit"/>; every cost is added
/// to the schema's <see cref="CelCostTotal"/>. Rules outside the CEL subset this checker understands are
/// refused rather than guessed at.
/// </summary>
/// <remarks>
/// One check is Cryo's own, stricter than the API server: a single evaluation whose estimate passes the
/// runtime <see cref="CelCostLimits.PerCallLimit"/> is refused, since the API server would abort that rule
/// (and reject the object) when a large enough object arrives.
/// </remarks>
public static class CelRuleChecker
{
    /// <summary>Problems of the rules of <paramref name="schema"/> at <paramref name="path"/>.</summary>
    /// <param name="schema">The schema node carrying the rules.</param>
    /// <param name="path">Its path.</param>
    /// <param name="isResourceRoot">True at the schema root and on embedded resources (rules see apiVersion, kind, metadata).</param>
    /// <param name="cardinality">How many times the node can occur in one object, or null when a list or map above it is unbounded.</param>
    /// <param name="uncorrelatable">The first ancestor below which old and new values cannot be paired (oldSelf is refused), or null.</param>
    /// <param name="total">The schema's running cost total.</param>
    public static IReadOnlyList<CrdProblem> Check(
        SchemaNode schema, FieldPath path, bool isResourceRoot, ulong? cardinality, FieldPath? uncorrelatable, CelCostTotal total)
    {
        var problems = new List<CrdProblem>();
        var rules = schema.Validations;
        if (rules.Count == 0)
        {
            return problems;
        }

        if (CelDeclTypes.Of(schema, isResourceRoot) is not { } self)
        {
            problems.Add(CrdProblem.Invalid(path.Child("x-kubernetes-validations"), schema.Type,
                $"rule declared on schema that does not support validation rules type: '{schema.Type}' x-kubernetes-preserve-unknown-fields: '{(schema.PreserveUnknownFields ? "true" : "false")}'"));
            return problems;
        }

        // Unbounded above: as many copies as fit in one request at their smallest.
        var times = cardinality ?? CelCostLimits.MaxRequestSizeBytes / (ulong)(self.MinSerializedSize + 1);
        for (var i = 0; i < rules.Count; i++)
        {
            CheckRule(rules[i], self, times, uncorrelatable, path.Child("x-kubernetes-validations").Index(i), total, problems);
        }

        return problems;
    }

    private static void CheckRule(
        JsonObject rule, CelType self, ulong times, FieldPath? uncorrelatable, FieldPath path, CelCostTotal total, List<CrdProblem> problems)
    {
        var text = rule.StringAt("rule") ?? string.Empty;
        if (text.Trim().Length == 0)
        {
            return; // reported with the other field checks
        }

        var rulePath = path.Child("rule");
        if (Compile(text, self, rulePath, problems) is not { } estimate)
        {
            return;
        }

        if (estimate.ResultType is { Kind: not (CelKind.Bool or CelKind.Dyn) })
        {
            problems.Add(CrdProblem.Invalid(rulePath, text, "cel expression must evaluate to a bool"));
        }

        var cost = Multiply(estimate.MaxCost, times);
        if (cost > CelCostLimits.StaticEstimatedCostLimit)
        {
            problems.Add(CrdProblem.Forbidden(rulePath, CelCostTotal.ExceedsMessage("estimated rule cost", cost, CelCostLimits.StaticEstimatedCostLimit)));
        }

        if (estimate.MaxCost > CelCostLimits.PerCallLimit)
        {
            problems.Add(CrdProblem.Forbidden(rulePath,
                $"estimated cost of one evaluation ({estimate.MaxCost}) exceeds the runtime per-call limit {CelCostLimits.PerCallLimit}: the API server would abort this rule on a large object (Cryo's own check, stricter than the API server's)"));
        }

        total.Observe(rulePath, cost);
        if (estimate.UsesOldSelf && uncorrelatable is not null)
        {
            problems.Add(CrdProblem.Invalid(rulePath, text, $"oldSelf cannot be used on the uncorrelatable portion of the schema within {uncorrelatable}"));
        }
        else if (!estimate.UsesOldSelf && rule["optionalOldSelf"] is { } optional)
        {
            problems.Add(CrdProblem.Invalid(path.Child("optionalOldSelf"), optional, "may not be set if oldSelf is not used in rule"));
        }

        if (rule.StringAt("messageExpression") is { } messageExpression && messageExpression.Trim().Length > 0)
        {
            CheckMessageExpression(messageExpression, self, path.Child("messageExpression"), total, problems);
        }
    }

    // A messageExpression runs only when its rule fails, once per failure: its cost is not multiplied.
    private static void CheckMessageExpression(string text, CelType self, FieldPath path, CelCostTotal total, List<CrdProblem> problems)
    {
        if (Compile(text, self, path, problems) is not { } estimate)
        {
            return;
        }

        if (estimate.ResultType is { Kind: not (CelKind.String or CelKind.Dyn) })
        {
            problems.Add(CrdProblem.Invalid(path, text, "messageExpression must evaluate to a string"));
        }

        if (estimate.MaxCost > CelCostLimits.StaticEstimatedCostLimit)
        {
            problems.Add(CrdProblem.Forbidden(path, CelCostTotal.ExceedsMessage("estimated messageExpression cost", estimate.MaxCost, CelCostLimits.StaticEstimatedCostLimit)));
        }

        total.Observe(path, estimate.MaxCost);
    }

    private static CelCostEstimate? Compile(string text, CelType self, FieldPath path, List<CrdProblem> problems)
    {
        CelCostEstimate estimate;
        try
        {
            estimate = CelCostEstimator.Estimate(CelParser.Parse(text), self);
        }
        catch (CelUnsupportedException e)
        {
            problems.Add(CrdProblem.Invalid(path, text, $"compilation failed: {e.Message}"));
            return null;
        }

        if (estimate.Errors.Count > 0)
        {
            problems.Add(CrdProblem.Invalid(path, text, $"compilation failed: {string.Join("; ", estimate.Errors)}"));
            return null;
        }

        return estimate;
    }

    private static ulong Multiply(ulong a, ulong b) => b != 0 && a > ulong.MaxValue / b ? ulong.MaxValue : a * b;
}
