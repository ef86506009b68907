using Cryo.Criu.Options;

namespace Cryo.Criu.Running;

/// <summary>A CRIU run that succeeded.</summary>
/// <param name="Operation">The CRIU command: <c>dump</c> or <c>restore</c>.</param>
/// <param name="ExitCode">Always 0: failures are thrown as <see cref="CriuException"/>.</param>
/// <param name="Duration">Wall time from starting the launch command to its exit.</param>
/// <param name="LogPath">CRIU's log of this run (inside the images directory unless configured otherwise).</param>
/// <param name="RestoredPid">
/// For a restore with <see cref="RestoreOptions.PidFile"/>: the restored root's PID as CRIU wrote it, numbered in the
/// PID namespace CRIU ran in. Otherwise <c>null</c>.
/// </param>
/// <param name="CommandLine">The argv that was run, launch prefix included.</param>
/// <param name="StandardError">The end of what CRIU printed on stderr (usually nothing: it logs to <paramref name="LogPath"/>).</param>
public sealed record CriuRunResult(
    string Operation,
    int ExitCode,
    TimeSpan Duration,
    string LogPath,
    int? RestoredPid,
    IReadOnlyList<string> CommandLine,
    string StandardError);
