using System.Text.Json.Nodes;

namespace Cryo.Deploy.Tests.Crds.Definition;

/// <summary>
/// One reason the API server would refuse a CustomResourceDefinition, printed the way it prints field
/// errors: <c>path: Forbidden: detail</c>, <c>path: Invalid value: value: detail</c>.
/// </summary>
public sealed record CrdProblem(string Path, CrdProblemType Type, string Detail, string? Value = null)
{
    /// <summary>The field may not be set here.</summary>
    public static CrdProblem Forbidden(FieldPath path, string detail) => new(path.ToString(), CrdProblemType.Forbidden, detail);

    /// <summary>The field must be set.</summary>
    public static CrdProblem Required(FieldPath path, string detail) => new(path.ToString(), CrdProblemType.Required, detail);

    /// <summary>The value breaks a rule.</summary>
    public static CrdProblem Invalid(FieldPath path, object? value, string detail) => new(path.ToString(), CrdProblemType.Invalid, detail, Show(value));

    /// <summary>The value is not one of <paramref name="supported"/>.</summary>
    public static CrdProblem NotSupported(FieldPath path, object? value, IEnumerable<string> supported) =>
        new(path.ToString(), CrdProblemType.NotSupported, $"supported values: {string.Join(", ", supported.Select(s => $"\"{s}\""))}", Show(value));

    /// <summary>The value appears twice.</summary>
    public static CrdProblem Duplicate(FieldPath path, object? value) => new(path.ToString(), CrdProblemType.Duplicate, string.Empty, Show(value));

    /// <summary>More entries than allowed.</summary>
    public static CrdProblem TooMany(FieldPath path, int actual, int limit) =>
        new(path.ToString(), CrdProblemType.TooMany, $"must have at most {limit} items", actual.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The document does not decode (unknown field, wrong JSON type).</summary>
    public static CrdProblem Decoding(FieldPath path, string detail) => new(path.ToString(), CrdProblemType.Decoding, detail);

    /// <inheritdoc/>
    public override string ToString() => Type switch
    {
        CrdProblemType.Forbidden => $"{Path}: Forbidden: {Detail}",
        CrdProblemType.Required => Detail.Length == 0 ? $"{Path}: Required value" : $"{Path}: Required value: {Detail}",
        CrdProblemType.Invalid => $"{Path}: Invalid value: {Value}: {Detail}",
        CrdProblemType.NotSupported => $"{Path}: Unsupported value: {Value}: {Detail}",
        CrdProblemType.Duplicate => $"{Path}: Duplicate value: {Value}",
        CrdProblemType.TooMany => $"{Path}: Too many: {Value}: {Detail}",
        _ => $"strict decoding error: {Path}: {Detail}",
    };

    private static string Show(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        JsonNode node => node.ToJsonString(),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "null",
    };
}
