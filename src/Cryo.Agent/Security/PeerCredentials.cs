using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections.Features;

namespace Cryo.Agent.Security;

/// <summary>
/// Checks who is on the other end of a Unix-socket connection (SO_PEERCRED): only the agent's own user
/// (root on a node) may call. The socket file's mode 0600 is the first lock; this is the second.
/// </summary>
internal static class PeerCredentials
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    /// <summary>Allows the caller when its user ID equals the agent's.</summary>
    public static (bool Allowed, string Reason) Authorize(HttpContext context)
    {
        var socket = context.Features.Get<IConnectionSocketFeature>()?.Socket;
        if (socket is null)
        {
            // Not reachable with Kestrel's socket transport; the file mode still guards the socket.
            return (true, string.Empty);
        }

        // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        Span<byte> credentials = stackalloc byte[12];
        var length = socket.GetRawSocketOption(SolSocket, SoPeerCred, credentials);
        if (length < 12)
        {
            return (false, "could not read the caller's credentials from the Unix socket");
        }

        var uid = MemoryMarshal.Read<uint>(credentials[4..]);
        var own = GetEffectiveUserId();
        return uid == own ? (true, string.Empty) : (false, $"caller runs as uid {uid}; only uid {own} may use the agent's socket");
    }

    [DllImport("libc", EntryPoint = "geteuid")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern uint GetEffectiveUserId();
}
