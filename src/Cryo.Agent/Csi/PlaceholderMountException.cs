using System.ComponentModel;
using Cryo.Agent.Operations;

namespace Cryo.Agent.Csi;

/// <summary>
/// A mount or unmount of a placeholder volume at its target path failed (the system call's error is the inner
/// exception): the restore pod's target cannot take the placeholder, which the kubelet retries.
/// </summary>
/// <param name="operation">What was done, e.g. <c>bind /run/cryo/placeholder on /var/lib/kubelet/…/mount</c>.</param>
/// <param name="targetPath">The volume's target path, as the kubelet gave it.</param>
/// <param name="errno">The system call's error number.</param>
public sealed class PlaceholderMountException(string operation, string targetPath, int errno)
    : AgentException($"{operation} failed: {new Win32Exception(errno).Message} (errno {errno})", new Win32Exception(errno))
{
    /// <summary>The volume's target path.</summary>
    public string TargetPath { get; } = targetPath;

    /// <summary>The system call's error number.</summary>
    public int Errno { get; } = errno;
}
