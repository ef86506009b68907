namespace Cryo.Agent.Store;

/// <summary>Capacity and free space of the file system holding the store (GetNodeInfo reports them).</summary>
/// <param name="TotalBytes">Size of the file system.</param>
/// <param name="AvailableBytes">Bytes an unprivileged writer can still use (statvfs f_bavail).</param>
public readonly record struct StoreSpace(long TotalBytes, long AvailableBytes);
