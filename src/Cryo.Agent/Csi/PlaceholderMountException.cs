using System.ComponentModel;
using Cryo.Agent.Operations;

namespace Cryo.Agent.Csi;

/// <summary>A mount or unmount of a placeholder volume failed (the system call's error is the inner exception).</summary>
public sealed class PlaceholderMountException(string operation, int errno)
    : AgentException($"{operation} failed: {new Win32Exception(errno).Message} (errno {errno})", new Win32Exception(errno))
{
    /// <summary>The system call's error number.</summary>
    public int Errno { get; } = errno;
}
