namespace Cryo.Testing.Node;

/// <summary>The pod-level cgroup settings the kubelet derives from a pod's containers (<c>ResourceConfigForPod</c>).</summary>
/// <param name="CpuShares">v1 <c>cpu.shares</c>: from the summed CPU requests, at least 2.</param>
/// <param name="CpuQuota">CFS quota per <see cref="CpuPeriod"/>, only when every container has a CPU limit.</param>
/// <param name="MemoryLimit">Memory limit in bytes, only when every container has a memory limit.</param>
public sealed record PodResources(long CpuShares, long? CpuQuota, long? MemoryLimit)
{
    /// <summary>The CFS period the kubelet uses (100 ms).</summary>
    public const long CpuPeriod = 100_000;
}
