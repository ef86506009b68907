namespace Cryo.Deploy.Tests.Images;

/// <summary>The Dockerfile, checked without a container engine.</summary>
public sealed class DockerfileTests
{
    private static readonly Dockerfile File = Dockerfile.Parse(System.IO.File.ReadAllText(RepoRoot.Combine("Dockerfile")));

    [Fact]
    public void Dockerfile_Should_CopyOnlySourcesThatExistAndAreNotIgnored()
    {
        // Arrange
        var ignored = System.IO.File.ReadAllLines(RepoRoot.Combine(".dockerignore"))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToList();
        var sources = File.ContextSources().ToList();

        // Act
        var missing = sources
            .Where(s => !System.IO.File.Exists(RepoRoot.Combine(s.Source)) && !Directory.Exists(RepoRoot.Combine(s.Source)))
            .Select(s => $"line {s.Line}: {s.Source} does not exist")
            .ToList();
        var excluded = sources
            .Where(s => IsIgnored(s.Source, ignored))
            .Select(s => $"line {s.Line}: {s.Source} is excluded by .dockerignore")
            .ToList();

        // Assert
        Assert.NotEmpty(sources);
        Assert.True(missing.Count + excluded.Count == 0, string.Join("\n", missing.Concat(excluded)));
    }

    [Theory]
    [InlineData("hack/e2e.sh", new[] { "hack/" }, true)]
    [InlineData("hack/e2e.sh", new[] { "hack/", "!hack/e2e.sh" }, false)]
    [InlineData("hack/demo.sh", new[] { "hack/", "!hack/e2e.sh" }, true)]
    [InlineData("hack/e2e.sh", new[] { "!hack/e2e.sh", "hack/" }, true)]
    [InlineData("src/", new[] { "hack/" }, false)]
    public void DockerIgnore_Should_LetTheLastMatchingPatternDecide(string source, string[] patterns, bool expected)
    {
        Assert.Equal(expected, IsIgnored(source, patterns));
    }

    [Fact]
    public void Dockerfile_Should_HaveOneTargetPerImage()
    {
        Assert.Contains("operator", File.StageNames);
        Assert.Contains("agent", File.StageNames);
        Assert.Equal(File.StageNames.Count(), File.StageNames.Distinct().Count());
    }

    [Theory]
    [InlineData("operator")]
    [InlineData("agent")]
    public void FinalImage_Should_CarryOciLabelsAndNoBuildTools(string target)
    {
        // Arrange
        var stage = Stage(target);

        // Act
        var labels = string.Join(" ", stage.Where(i => i.Keyword == "LABEL").Select(i => i.Arguments));
        var installs = string.Join(" ", stage.Where(i => i.Keyword == "RUN").Select(i => i.Arguments));
        var from = stage[0].Arguments;

        // Assert
        foreach (var label in new[] { "title", "description", "version", "revision", "created", "source" })
        {
            Assert.Contains($"org.opencontainers.image.{label}=", labels, StringComparison.Ordinal);
        }

        foreach (var tool in new[] { " gcc", " make", "libc6-dev", "dotnet publish", "dotnet build" })
        {
            Assert.DoesNotContain(tool, installs, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("/sdk", from, StringComparison.Ordinal);
        Assert.Contains(stage, i => i.Keyword == "ENTRYPOINT");
    }

    [Fact]
    public void AgentImage_Should_InstallCriuOfAtLeast42AndCarryCliPlaceholderAndHashLibrary()
    {
        // Arrange
        var stage = Stage("agent");
        var runs = string.Join("\n", stage.Where(i => i.Keyword == "RUN").Select(i => i.Arguments));
        var copies = string.Join("\n", stage.Where(i => i.Keyword == "COPY").Select(i => i.Arguments));

        // Assert
        Assert.Contains("apt-get install", runs, StringComparison.Ordinal);
        foreach (var package in new[] { " criu ", "util-linux", "iproute2", "libnftables1" })
        {
            Assert.Contains(package, runs, StringComparison.Ordinal);
        }

        Assert.Contains("--compare-versions \"$criu_version\" ge 4.2", runs, StringComparison.Ordinal);
        Assert.Contains("/usr/local/bin/cryo-placeholder", copies, StringComparison.Ordinal);
        // Beside Cryo.Agent.dll, where InterleavedSha256 looks for it.
        Assert.Contains("/opt/cryo/agent/libcryo-sha256.so", copies, StringComparison.Ordinal);
        Assert.Contains("/usr/local/bin/cryo", runs, StringComparison.Ordinal);
    }

    [Fact]
    public void AgentImage_Should_CarryTheCliAsANativeExecutable()
    {
        // Arrange: the build stage publishes it; the agent stage takes the whole output directory.
        var build = string.Join("\n", Stage("dotnet-build").Where(i => i.Keyword == "RUN").Select(i => i.Arguments));
        var copies = string.Join("\n", Stage("agent").Where(i => i.Keyword == "COPY").Select(i => i.Arguments));

        // Assert: Native AOT, with what it links with installed first.
        Assert.Contains("dotnet publish src/Cryo.Cli/Cryo.Cli.csproj -c Release -o /out/cli -r \"$rid\" -p:PublishAot=true", build, StringComparison.Ordinal);
        Assert.Contains("clang lld zlib1g-dev", build, StringComparison.Ordinal);
        Assert.Contains("--from=dotnet-build /out/cli /opt/cryo/cli", copies, StringComparison.Ordinal);
    }

    [Fact]
    public void AgentImage_Should_CarryKubectlAndTheSmokeTest_For_HelmTest()
    {
        // Arrange: charts/cryo/templates/tests/e2e.yaml runs /usr/local/bin/cryo-e2e from the agent image.
        var stage = Stage("agent");
        var runs = string.Join("\n", stage.Where(i => i.Keyword == "RUN").Select(i => i.Arguments));
        var copies = stage.Where(i => i.Keyword == "COPY").Select(i => i.Arguments).ToList();

        // Assert
        Assert.Contains(" kubectl ", runs + " ", StringComparison.Ordinal);
        Assert.Contains("--chmod=0755 hack/e2e.sh /usr/local/bin/cryo-e2e", copies);
    }

    [Fact]
    public void OperatorImage_Should_RunAsNonRoot()
    {
        var user = Stage("operator").Last(i => i.Keyword == "USER").Arguments;

        Assert.NotEqual("0", user.Split(':')[0]);
        Assert.NotEqual("root", user.Split(':')[0]);
    }

    [Theory]
    [InlineData("Cryo.Operator", "/opt/cryo/operator/{0}.dll")]
    [InlineData("Cryo.Agent", "/opt/cryo/agent/{0}.dll")]
    [InlineData("Cryo.Cli", "/opt/cryo/cli/{0} /usr/local/bin/cryo")]
    public void Dockerfile_Should_RunTheAssembliesTheProjectsBuild(string project, string expected)
    {
        // Arrange: a project may rename its assembly (the CLI builds "cryo").
        var csproj = System.Xml.Linq.XDocument.Load(RepoRoot.Combine($"src/{project}/{project}.csproj"));
        var assembly = csproj.Descendants("AssemblyName").Select(e => e.Value).FirstOrDefault() ?? project;
        var text = string.Join("\n", File.Instructions.Select(i => i.Arguments));

        // Assert
        Assert.Contains(string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, assembly), text, StringComparison.Ordinal);
    }

    // .dockerignore as Docker reads it for these paths: a pattern matches a path or a directory above it,
    // "!" re-includes, and the last pattern that matches decides.
    private static bool IsIgnored(string source, IEnumerable<string> patterns)
    {
        var path = source.TrimEnd('/');
        var ignored = false;
        foreach (var line in patterns)
        {
            var negated = line.StartsWith('!');
            var pattern = line.TrimStart('!').TrimEnd('/');
            if (path == pattern || path.StartsWith(pattern + "/", StringComparison.Ordinal))
            {
                ignored = !negated;
            }
        }

        return ignored;
    }

    private static List<DockerfileInstruction> Stage(string name)
    {
        var start = File.Instructions.ToList().FindIndex(i => i.Keyword == "FROM" && i.Arguments.EndsWith($" AS {name}", StringComparison.Ordinal));
        Assert.True(start >= 0, $"no stage {name}");
        return File.Instructions.Skip(start).TakeWhile((i, n) => n == 0 || i.Keyword != "FROM").ToList();
    }
}
