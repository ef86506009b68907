namespace Cryo.Deploy.Tests.Crds.Definition;

/// <summary>
/// The estimated cost of every rule and messageExpression of one schema added up, with the most expensive
/// ones, which the API server names when the total passes <see cref="CelCostLimits.StaticEstimatedCrdCostLimit"/>.
/// </summary>
public sealed class CelCostTotal
{
    private readonly List<(FieldPath Path, ulong Cost)> _mostExpensive = [];

    /// <summary>The saturating sum of every observed cost.</summary>
    public ulong Total { get; private set; }

    /// <summary>Up to four of the costliest expressions, each at least 1% of the limit, costliest first.</summary>
    public IReadOnlyList<(FieldPath Path, ulong Cost)> MostExpensive => _mostExpensive;

    /// <summary>Adds the cost of the expression at <paramref name="path"/>.</summary>
    public void Observe(FieldPath path, ulong cost)
    {
        Total = ulong.MaxValue - Total < cost ? ulong.MaxValue : Total + cost;
        if (cost < CelCostLimits.StaticEstimatedCrdCostLimit / 100)
        {
            return;
        }

        _mostExpensive.Add((path, cost));
        _mostExpensive.Sort((a, b) => b.Cost.CompareTo(a.Cost));
        if (_mostExpensive.Count > 4)
        {
            _mostExpensive.RemoveRange(4, _mostExpensive.Count - 4);
        }
    }

    /// <summary>The API server's wording for a cost over its limit.</summary>
    public static string ExceedsMessage(string costName, ulong cost, ulong limit)
    {
        var factor = (double)cost / limit;
        var shown = factor > 100.0 ? "more than 100x"
            : factor < 1.5 ? factor.ToString("0.000000", System.Globalization.CultureInfo.InvariantCulture) + "x"
            : factor.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + "x";
        return $"{costName} exceeds budget by factor of {shown} (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)";
    }
}
