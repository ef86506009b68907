using System.Text.RegularExpressions;

namespace Cryo.Deploy.Tests.Sources;

/// <summary>
/// Cryo's programs (agent, operator, CLI) run where no synchronization context is captured, so the project
/// writes plain awaits and no <c>ConfigureAwait(false)</c> (Directory.Build.props says why CA2007 is off).
/// No analyzer forbids the call, so this test does. <c>ConfigureAwaitOptions</c> stays allowed: it changes
/// what an await does (SuppressThrowing), not where it continues.
/// </summary>
public sealed partial class ConfigureAwaitTests
{
    [Fact]
    public void Sources_Should_AwaitWithoutConfigureAwaitFalse()
    {
        // Arrange
        var files = new[] { "src", "tests", "hack" }
            .SelectMany(folder => Directory.EnumerateFiles(RepoRoot.Combine(folder), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal));

        // Act
        var offenders = files
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: f, Line: i + 1, Text: line)))
            .Where(l => ConfigureAwaitFalse().IsMatch(l.Text))
            .Select(l => $"{Path.GetRelativePath(RepoRoot.Path, l.File)}:{l.Line}")
            .ToList();

        // Assert
        Assert.True(offenders.Count == 0, "ConfigureAwait(false) in: " + string.Join(", ", offenders));
    }

    [GeneratedRegex(@"\.ConfigureAwait\(\s*(continueOnCapturedContext:\s*)?false\s*\)")]
    private static partial Regex ConfigureAwaitFalse();
}
