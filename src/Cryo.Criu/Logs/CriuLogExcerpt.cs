namespace Cryo.Criu.Logs;

/// <summary>The errors found in a CRIU log.</summary>
/// <param name="Errors">Each real <c>Error</c> line, without CRIU's timestamp prefix, in log order.</param>
/// <param name="Text">The error lines with their context lines, blocks separated by <c>...</c>; empty when no errors.</param>
public sealed record CriuLogExcerpt(IReadOnlyList<string> Errors, string Text)
{
    /// <summary>No errors found (or no log).</summary>
    public static CriuLogExcerpt Empty { get; } = new([], string.Empty);

    /// <summary>The first real error line, the one that usually says what went wrong; <c>null</c> if none.</summary>
    public string? FirstError => Errors.Count > 0 ? Errors[0] : null;
}
