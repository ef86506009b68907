namespace Cryo.Deploy.Tests.Crds.Cel;

/// <summary>
/// The constants of the API server's CEL cost estimation (k8s.io/apiserver/pkg/cel limits.go and
/// apis/cel config.go, apiextensions validation.go, cel-go checker/cost.go), in its cost units.
/// </summary>
public static class CelCostLimits
{
    /// <summary>Largest request the API server accepts (3 MiB): what an unbounded string, list or map is assumed to fill.</summary>
    public const ulong MaxRequestSizeBytes = 3 * 1024 * 1024;

    /// <summary>Runtime limit of one evaluation of one expression; the API server aborts a rule that reaches it.</summary>
    public const ulong PerCallLimit = 1_000_000;

    /// <summary>Largest estimated cost of one rule times how often it can run (apiextensions StaticEstimatedCostLimit).</summary>
    public const ulong StaticEstimatedCostLimit = 10_000_000;

    /// <summary>Largest estimated total over every rule of one schema (apiextensions StaticEstimatedCRDCostLimit).</summary>
    public const ulong StaticEstimatedCrdCostLimit = 100_000_000;

    /// <summary>Longest RFC 3339 duration string, quotes included.</summary>
    public const ulong MaxDurationSizeJson = 32;

    /// <summary>Longest RFC 3339 date-time string, quotes included.</summary>
    public const ulong MaxDatetimeSizeJson = 32;

    /// <summary>Shortest duration string ("0" and quotes).</summary>
    public const long MinDurationSizeJson = 3;

    /// <summary>A date (YYYY-MM-DD) with quotes.</summary>
    public const long JsonDateSize = 12;

    /// <summary>Shortest date-time, quotes included.</summary>
    public const long MinDatetimeSizeJson = 21;

    /// <summary>Cost per byte of traversing a string (cel-go common.StringTraversalCostFactor).</summary>
    public const double StringTraversalCostFactor = 0.1;

    /// <summary>Cost per character of a regular expression (cel-go common.RegexStringLengthCostFactor).</summary>
    public const double RegexStringLengthCostFactor = 0.25;

    /// <summary>Cost of a variable or a field selection.</summary>
    public const ulong SelectAndIdentCost = 1;

    /// <summary>Base cost of building a list literal.</summary>
    public const ulong CreateListBaseCost = 10;
}
