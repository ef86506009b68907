namespace Cryo.Criu.Images;

/// <summary>One task of a dumped tree, as its images record it.</summary>
/// <param name="Pid">PID in the tree's own PID namespace (what a restore recreates).</param>
/// <param name="Ppid">The parent's PID in the same namespace; 0 for the root.</param>
/// <param name="Command">The task's name (<c>comm</c>), empty when unknown.</param>
public sealed record CriuTreeProcess(int Pid, int Ppid, string Command);
