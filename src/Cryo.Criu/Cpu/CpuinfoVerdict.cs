namespace Cryo.Criu.Cpu;

/// <summary>What <c>criu cpuinfo check</c> said of another node's CPU image on this one.</summary>
/// <param name="Compatible">True when CRIU found this CPU able to run what the image's CPU ran.</param>
/// <param name="Detail">Empty when compatible; else the error lines of CRIU's log (e.g. <c>CPU instruction capabilities do not match run time</c>).</param>
public sealed record CpuinfoVerdict(bool Compatible, string Detail);
