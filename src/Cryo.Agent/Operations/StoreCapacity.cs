namespace Cryo.Agent.Operations;

/// <summary>Space on the filesystem holding the image store.</summary>
/// <param name="CapacityBytes">Total size.</param>
/// <param name="FreeBytes">Bytes available to the agent.</param>
public sealed record StoreCapacity(long CapacityBytes, long FreeBytes);
