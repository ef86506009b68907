using System.Runtime.CompilerServices;

namespace Cryo.Agent.Tests.Placeholder;

/// <summary>
/// Builds the placeholder with its Makefile (as the image build does) and the test launcher, once for all
/// placeholder tests. It builds a copy of the sources in a scratch directory of its own, so fixtures of
/// several test collections can build at the same time.
/// </summary>
public sealed class PlaceholderBuild : IDisposable
{
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("cryo-placeholder-build-");

    public PlaceholderBuild()
    {
        var testDir = Path.GetDirectoryName(SourcePath())!;
        var repoRoot = Path.GetFullPath(Path.Join(testDir, "..", "..", ".."));
        var sourceDir = Path.Join(repoRoot, "src", "cryo-placeholder");
        var buildDir = _scratch.CreateSubdirectory("placeholder").FullName;
        foreach (var file in new[] { "Makefile", "cryo-placeholder.c" })
        {
            File.Copy(Path.Join(sourceDir, file), Path.Join(buildDir, file));
        }
        Build("make", "-s", "-C", buildDir);
        PlaceholderPath = Path.Join(buildDir, "cryo-placeholder");
        LauncherPath = Path.Join(_scratch.FullName, "pidns-run");
        Build("gcc", "-O2", "-Wall", "-Werror", "-o", LauncherPath, Path.Join(testDir, "pidns-run.c"));
    }

    /// <summary>The built placeholder binary.</summary>
    public string PlaceholderPath { get; }

    /// <summary>The launcher that runs a program as the init of a new PID namespace.</summary>
    public string LauncherPath { get; }

    public void Dispose() => _scratch.Delete(recursive: true);

    private static string SourcePath([CallerFilePath] string path = "") => path;

    // A build under a loaded machine may take longer than a plain command's minute.
    private static void Build(string program, params string[] arguments) =>
        Command.OutputAsync(program, arguments, TimeSpan.FromMinutes(2), CancellationToken.None).GetAwaiter().GetResult();
}
