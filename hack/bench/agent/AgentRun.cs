namespace Cryo.Bench.Agent;

/// <summary>One checkpoint or restore through an agent's engine: the call's seconds and the steps around CRIU, in ms.</summary>
/// <param name="Seconds">The engine call, start to return.</param>
/// <param name="CriuMs">CRIU's process, as the engine's CRIU layer timed it.</param>
/// <param name="HashTailMs">A checkpoint's wait for the last hashes after CRIU exits (0 for a restore).</param>
/// <param name="CommitMs">A checkpoint's commit (0 for a restore).</param>
/// <param name="VerifyMs">A restore's verification, beside CRIU (0 for a checkpoint).</param>
public sealed record AgentRun(double Seconds, double CriuMs, double HashTailMs, double CommitMs, double VerifyMs);
