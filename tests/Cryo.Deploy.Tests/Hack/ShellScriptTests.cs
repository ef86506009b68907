namespace Cryo.Deploy.Tests.Hack;

/// <summary>The scripts a person runs (hack/*.sh) and the test's fake kubectl: they parse, and shellcheck finds nothing.</summary>
public sealed class ShellScriptTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    public static TheoryData<string> Scripts()
    {
        var data = new TheoryData<string>();
        foreach (var script in ScriptPaths())
        {
            data.Add(script);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task Script_Should_Parse(string script)
    {
        // Act
        var result = await ScriptRun.RunAsync("bash", ["-n", script], new Dictionary<string, string?>(), Deadline);

        // Assert
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task Scripts_Should_PassShellCheck()
    {
        // Arrange: warnings and errors fail; notes and style suggestions do not.
        ScriptResult result;

        // Act
        try
        {
            result = await ScriptRun.RunAsync("shellcheck", ["--severity=warning", "--format=gcc", .. ScriptPaths()], new Dictionary<string, string?>(), Deadline);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException("shellcheck is not on PATH: hack/install-deps.sh installs it (Debian package shellcheck)", e);
        }

        // Assert
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    private static IEnumerable<string> ScriptPaths() =>
        Directory.GetFiles(RepoRoot.Combine("hack"), "*.sh")
            .Concat(Directory.GetFiles(RepoRoot.Combine("tests/Cryo.Deploy.Tests/Hack"), "*.sh"))
            .Select(path => Path.GetRelativePath(RepoRoot.Path, path))
            .Order(StringComparer.Ordinal);
}
