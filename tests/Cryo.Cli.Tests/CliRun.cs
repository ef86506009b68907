using System.Text.Json;

namespace Cryo.Cli.Tests;

/// <summary>Runs the CLI in-process and captures what it prints.</summary>
public static class CliRun
{
    public static async Task<(int Code, string Out, string Error)> RunAsync(IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment = null,
        CliStreams? streams = null)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // Standard output and input as bytes are the test's: never the test host's own.
        streams ??= new CliStreams(() => Stream.Null, () => Stream.Null, OutputIsTerminal: false);
        var code = await CryoCli.RunAsync(args, output, error, name => environment?.GetValueOrDefault(name), streams, timeout.Token);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Runs <c>cryo ARGS --socket AGENT --output json</c>, expects success, parses the object printed.</summary>
    public static async Task<JsonElement> JsonAsync(InProcessAgent agent, params string[] args)
    {
        var (code, output, error) = await RunAsync([.. args, "--socket", agent.SocketPath, "--output", "json"]);
        Xunit.Assert.True(code == 0, $"cryo {string.Join(' ', args)} exited {code}: {error}");
        using var document = JsonDocument.Parse(output);
        return document.RootElement.Clone();
    }
}
