namespace Cryo.Deploy.Tests.Hack;

/// <summary>A finished run of hack/e2e.sh against the fake: its output, its kubectl command lines, the manifests it applied.</summary>
public sealed record E2eRun(ScriptResult Result, IReadOnlyList<string> Calls, IReadOnlyList<string> Applied);

/// <summary>
/// A temporary directory whose bin/kubectl is fake-kubectl.sh (a scripted cluster in which Cryo does what
/// hack/e2e.sh expects), for running the script without a cluster. Removed on dispose.
/// </summary>
public sealed class FakeCluster : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("cryo-e2e-test-").FullName;

    /// <summary>Creates the directory with the fake kubectl and an empty state.</summary>
    public FakeCluster()
    {
        Directory.CreateDirectory(Bin);
        Directory.CreateDirectory(State);
        var kubectl = Path.Combine(Bin, "kubectl");
        File.Copy(RepoRoot.Combine("tests/Cryo.Deploy.Tests/Hack/fake-kubectl.sh"), kubectl);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(kubectl, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>The directory put first on PATH.</summary>
    public string Bin => Path.Combine(directory, "bin");

    /// <summary>The fake's state: the call log and the applied manifests.</summary>
    public string State => Path.Combine(directory, "state");

    /// <summary>Every kubectl command line the script ran, in order (arguments joined by spaces).</summary>
    public IReadOnlyList<string> Calls =>
        File.Exists(Path.Combine(State, "calls")) ? File.ReadAllLines(Path.Combine(State, "calls")) : [];

    /// <summary>The manifests the script piped into `kubectl apply -f -`, in order.</summary>
    public IReadOnlyList<string> Applied =>
        Enumerable.Range(1, int.MaxValue)
            .Select(n => Path.Combine(State, $"applied-{n}.yaml"))
            .TakeWhile(File.Exists)
            .Select(File.ReadAllText)
            .ToList();

    /// <summary>
    /// Runs hack/e2e.sh against the fake with <paramref name="arguments"/> and the fake's knobs
    /// (FAKE_REFUSE_KIND, FAKE_COPY_FIRST_TICK, FAKE_EXIT_CODE, FAKE_NO_CRYO).
    /// </summary>
    public Task<ScriptResult> RunE2eAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? knobs = null)
    {
        var environment = new Dictionary<string, string?>(E2eEnvironment.Isolated(directory))
        {
            ["PATH"] = $"{Bin}:{Environment.GetEnvironmentVariable("PATH")}",
            ["KUBECONFIG"] = Path.Combine(directory, "kubeconfig-the-fake-ignores"),
            ["FAKE_STATE"] = State,
        };
        foreach (var (name, value) in knobs ?? new Dictionary<string, string?>())
        {
            environment[name] = value;
        }

        return ScriptRun.RunAsync(RepoRoot.Combine("hack/e2e.sh"), arguments, environment, TimeSpan.FromMinutes(2));
    }

    /// <summary>Runs hack/e2e.sh against a fake of its own and returns what it printed, ran and applied.</summary>
    public static async Task<E2eRun> RunOnceAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? knobs = null)
    {
        using var cluster = new FakeCluster();
        var result = await cluster.RunE2eAsync(arguments, knobs);
        return new E2eRun(result, cluster.Calls, cluster.Applied);
    }

    /// <summary>Removes the directory.</summary>
    public void Dispose() => Directory.Delete(directory, recursive: true);
}
