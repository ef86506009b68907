using System.Runtime.CompilerServices;

namespace Cryo.Deploy.Tests.Support;

/// <summary>
/// The repository's root: the first directory holding Operator.sln above the test binaries, else above
/// the working directory, else above this source file (binaries built with --artifacts-path live outside
/// the repository).
/// </summary>
public static class RepoRoot
{
    private static readonly Lazy<string> Root = new(Find);

    /// <summary>Absolute path of the repository root.</summary>
    public static string Path => Root.Value;

    /// <summary>Absolute path of <paramref name="relative"/> (forward slashes) under the repository root.</summary>
    public static string Combine(string relative) =>
        System.IO.Path.Combine(Path, relative.Replace('/', System.IO.Path.DirectorySeparatorChar));

    private static string Find()
    {
        var starts = new[] { AppContext.BaseDirectory, Environment.CurrentDirectory, SourceDirectory() };
        foreach (var start in starts)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "Operator.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new DirectoryNotFoundException(
            $"no Operator.sln above {string.Join(", ", starts)}: run the tests from the repository");
    }

    private static string SourceDirectory([CallerFilePath] string path = "") =>
        System.IO.Path.GetDirectoryName(path) ?? "/";
}
