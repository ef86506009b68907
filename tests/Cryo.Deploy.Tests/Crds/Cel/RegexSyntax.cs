using System.Text.RegularExpressions;

namespace Cryo.Deploy.Tests.Crds.Cel;

/// <summary>
/// Whether a regular expression compiles for the API server, which uses Go's RE2 for both schema
/// patterns and CEL's matches(). Checked with .NET's parser plus a refusal of the Perl constructs RE2
/// lacks, so it is at least as strict as RE2.
/// </summary>
public static partial class RegexSyntax
{
    /// <summary>Why <paramref name="pattern"/> does not compile in RE2, or null when it does.</summary>
    public static string? Problem(string pattern)
    {
        if (Re2Unsupported().Match(pattern) is { Success: true } match)
        {
            return $"invalid or unsupported Perl syntax: `{match.Value}`";
        }

        try
        {
            _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    // Look-around, back-references, atomic groups and possessive quantifiers: .NET has them, RE2 does not.
    [GeneratedRegex(@"\(\?(<?[=!]|>)|\\[1-9]|\\k<|[*+?}]\+")]
    private static partial Regex Re2Unsupported();
}
