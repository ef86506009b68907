using System.Text.Json.Nodes;

namespace Cryo.Deploy.Tests.Crds.Definition;

/// <summary>
/// additionalPrinterColumns as the API server validates them (ValidateCustomResourceColumnDefinition): a
/// name, a type it can print, a format among those it knows, and a simple JSON path starting with a dot.
/// </summary>
public static class PrinterColumnChecker
{
    private static readonly string[] Types = ["boolean", "date", "integer", "number", "string"];
    private static readonly string[] Formats = ["byte", "date", "date-time", "double", "float", "int32", "int64", "password"];

    /// <summary>Problems of the column <paramref name="column"/> at <paramref name="path"/>.</summary>
    public static IEnumerable<CrdProblem> Check(JsonObject column, FieldPath path)
    {
        if (string.IsNullOrEmpty(column.StringAt("name")))
        {
            yield return CrdProblem.Required(path.Child("name"), string.Empty);
        }

        var type = column.StringAt("type") ?? string.Empty;
        if (type.Length == 0)
        {
            yield return CrdProblem.Required(path.Child("type"), $"must be one of {string.Join(",", Types)}");
        }
        else if (!Types.Contains(type))
        {
            yield return CrdProblem.Invalid(path.Child("type"), type, $"must be one of {string.Join(",", Types)}");
        }

        if (column.StringAt("format") is { Length: > 0 } format && !Formats.Contains(format))
        {
            yield return CrdProblem.Invalid(path.Child("format"), format, $"must be one of {string.Join(",", Formats)}");
        }

        // The API server names this field JSONPath in its errors.
        var jsonPath = column.StringAt("jsonPath") ?? string.Empty;
        if (jsonPath.Length == 0)
        {
            yield return CrdProblem.Required(path.Child("JSONPath"), string.Empty);
        }
        else if (SimpleJsonPathProblem(jsonPath) is { } problem)
        {
            yield return CrdProblem.Invalid(path.Child("JSONPath"), jsonPath, problem);
        }
    }

    /// <summary>Why <paramref name="path"/> is no simple JSON path (".a.b"), or null.</summary>
    public static string? SimpleJsonPathProblem(string path) =>
        path.Length == 0 ? "must not be empty"
        : path[0] != '.' ? "must be a simple json path starting with ."
        : null;
}
