namespace Cryo.Criu.Tests.TestSupport;

/// <summary>The CRIU the tests drive: <c>CRYO_CRIU</c>, else where <c>hack/install-criu.sh</c> puts it.</summary>
internal static class CriuForTests
{
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("CRYO_CRIU") is { Length: > 0 } path ? path : CriuCli.DefaultExecutablePath;

    public static CriuCli Create() => new(ExecutablePath);

    /// <summary>Generous: a loaded 2-core machine can be slow, and a timed-out test says more than a hung one.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
}
