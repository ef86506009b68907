using System.Text.RegularExpressions;

namespace Cryo.Deploy.Tests.Settings;

/// <summary>The environment variable names the deployment files set.</summary>
public static partial class EnvironmentNames
{
    /// <summary>
    /// Names set by `- name: X` entries of env lists in the YAML files under <paramref name="directory"/>,
    /// leaving out its subdirectory <paramref name="except"/> when given.
    /// </summary>
    public static SortedSet<string> InYaml(string directory, string? except = null) => new(
        Directory.EnumerateFiles(RepoRoot.Combine(directory), "*.yaml", SearchOption.AllDirectories)
            .Where(f => except is null || !f.StartsWith(RepoRoot.Combine($"{directory}/{except}/"), StringComparison.Ordinal))
            .SelectMany(f => EnvEntry().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value)),
        StringComparer.Ordinal);

    /// <summary>Names set by ENV instructions of the Dockerfile.</summary>
    public static SortedSet<string> InDockerfile() => new(
        DockerEnv().Matches(File.ReadAllText(RepoRoot.Combine("Dockerfile"))).Select(m => m.Groups[1].Value),
        StringComparer.Ordinal);

    // Only names that look like configuration keys or well-known variables, not volume or port names.
    [GeneratedRegex(@"^\s*- name: ([A-Za-z][A-Za-z0-9]*(?:__[A-Za-z0-9]+)+|[A-Z][A-Z0-9_]*[A-Z0-9])\s*$", RegexOptions.Multiline)]
    private static partial Regex EnvEntry();

    [GeneratedRegex(@"(?:^ENV\s+|\\\s*\n\s+|\s)([A-Za-z][A-Za-z0-9]*__[A-Za-z0-9_]+)=", RegexOptions.Multiline)]
    private static partial Regex DockerEnv();
}
