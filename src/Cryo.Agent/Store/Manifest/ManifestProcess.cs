namespace Cryo.Agent.Store.Manifest;

/// <summary>One process of the checkpointed tree.</summary>
public sealed class ManifestProcess
{
    /// <summary>PID inside the tree's PID namespace (kept across restore).</summary>
    public int Pid { get; set; }

    /// <summary>PID on the host at checkpoint time.</summary>
    public int HostPid { get; set; }

    /// <summary>Parent PID inside the tree's PID namespace.</summary>
    public int Ppid { get; set; }

    /// <summary>Command line (<c>/proc/PID/cmdline</c>, split at NULs).</summary>
    public List<string> CommandLine { get; set; } = [];
}
