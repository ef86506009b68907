using Cryo.Criu.Capabilities;
using Cryo.Criu.Cpu;
using Cryo.Criu.Options;
using Cryo.Criu.Running;

namespace Cryo.Criu;

/// <summary>Runs CRIU. Every run is bounded by a deadline and turns failures into <see cref="CriuException"/>.</summary>
public interface ICriu
{
    /// <summary>The CRIU release (<c>criu --version</c>).</summary>
    /// <exception cref="CriuException">CRIU failed or printed no version.</exception>
    Task<CriuVersion> GetVersionAsync(CancellationToken cancellationToken);

    /// <summary>Runs <c>criu check</c> and <c>criu check --feature X</c> for each <see cref="CriuFeature"/>.</summary>
    /// <exception cref="CriuException">CRIU could not be run at all.</exception>
    Task<CriuCapabilities> DetectCapabilitiesAsync(CancellationToken cancellationToken);

    /// <summary>Runs <c>criu dump</c>; its log goes to <see cref="CriuCommandOptions.LogPath"/> (in the images directory by default).</summary>
    /// <param name="options">What to dump and how.</param>
    /// <param name="launch">How to start CRIU; <c>null</c> for <see cref="CriuLaunch.Direct"/>.</param>
    /// <param name="deadline">How long CRIU may run before it and everything it started are killed.</param>
    /// <param name="cancellationToken">Cancelling kills CRIU and its process tree, then throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="CriuTimeoutException">The deadline passed; CRIU was killed.</exception>
    /// <exception cref="CriuException">CRIU exited non-zero.</exception>
    Task<CriuRunResult> DumpAsync(DumpOptions options, CriuLaunch? launch, TimeSpan deadline, CancellationToken cancellationToken);

    /// <summary>
    /// Runs <c>criu restore</c>; its log goes to <see cref="CriuCommandOptions.LogPath"/>. With a
    /// <see cref="RestoreOptions.PidFile"/>, the result carries the PID CRIU wrote there.
    /// </summary>
    /// <param name="options">What to restore and how.</param>
    /// <param name="launch">How to start CRIU; <c>null</c> for <see cref="CriuLaunch.Direct"/>.</param>
    /// <param name="deadline">How long CRIU may run before it and everything it started (the half-restored tree) are killed.</param>
    /// <param name="cancellationToken">Cancelling kills CRIU and its process tree, then throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="CriuTimeoutException">The deadline passed; CRIU was killed.</exception>
    /// <exception cref="CriuException">CRIU exited non-zero, or wrote no readable pidfile.</exception>
    Task<CriuRunResult> RestoreAsync(RestoreOptions options, CriuLaunch? launch, TimeSpan deadline, CancellationToken cancellationToken);

    /// <summary>
    /// This node's CPU as CRIU describes it (<c>criu cpuinfo dump</c>: the bytes of its <c>cpuinfo.img</c>), for another
    /// node to check with <see cref="CheckCpuinfoAsync"/>; <see langword="null"/> when this runner cannot say.
    /// </summary>
    /// <exception cref="CriuException">CRIU failed.</exception>
    Task<byte[]?> DumpCpuinfoAsync(CancellationToken cancellationToken) => Task.FromResult<byte[]?>(null);

    /// <summary>
    /// Whether this node's CPU can run what the CPU of <paramref name="cpuinfoImage"/> (another node's
    /// <see cref="DumpCpuinfoAsync"/>) ran: <c>criu cpuinfo check --cpu-cap=fpu,ins</c>, the instruction sets and the
    /// FPU state layout. <see langword="null"/> when this runner cannot say.
    /// </summary>
    /// <exception cref="CriuException">CRIU could not be run.</exception>
    Task<CpuinfoVerdict?> CheckCpuinfoAsync(ReadOnlyMemory<byte> cpuinfoImage, CancellationToken cancellationToken) => Task.FromResult<CpuinfoVerdict?>(null);
}
