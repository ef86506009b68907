namespace Cryo.Testing.Agent.Harness;

/// <summary>A plain test process tree: the host's root, mounts and network, optionally its own PID namespace.</summary>
public sealed record PlainSpec
{
    /// <summary>The script run by the host's <c>/bin/sh -c</c> as the tree's root.</summary>
    public string Script { get; init; } = "exec sleep 100000";

    /// <summary>Start it as <c>setsid unshare -p -f</c> (the root is PID 1 of a new PID namespace, not a session leader).</summary>
    public bool OwnPidNamespace { get; init; } = true;

    /// <summary>Give it a pty as stdio and controlling terminal (a shell job); stdout is then read from the pty.</summary>
    public bool Tty { get; init; }

    /// <summary>How long to wait for the root to run the script.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
