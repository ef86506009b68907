namespace Cryo.Agent.Operations;

/// <summary>The options a checkpoint was dumped with.</summary>
/// <param name="LeaveRunning">The tree kept running.</param>
/// <param name="TcpEstablished">Established TCP connections were dumped.</param>
/// <param name="FileLocks">File locks were dumped.</param>
/// <param name="ShellJob">The tree had a controlling terminal (restore needs <c>--shell-job</c>).</param>
/// <param name="SkipRootFilesystem">The caller opted out of the container's writable layer.</param>
public sealed record RecordedOptions(bool LeaveRunning, bool TcpEstablished, bool FileLocks, bool ShellJob, bool SkipRootFilesystem = false);
