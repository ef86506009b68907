namespace Cryo.Agent.Transfer;

/// <summary>Takes the next bytes of a body (<see cref="BodyPipeline"/>); valid only during the call.</summary>
/// <param name="data">The bytes.</param>
internal delegate void LandBytes(ReadOnlySpan<byte> data);
