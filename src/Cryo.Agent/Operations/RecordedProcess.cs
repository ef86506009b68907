namespace Cryo.Agent.Operations;

/// <summary>A dumped process.</summary>
/// <param name="Pid">PID inside the tree's PID namespace.</param>
/// <param name="Ppid">Parent PID in the same namespace (0 for the root).</param>
/// <param name="HostPid">Host PID at checkpoint time.</param>
/// <param name="CommandLine">argv.</param>
public sealed record RecordedProcess(int Pid, int Ppid, int HostPid, IReadOnlyList<string> CommandLine);
