namespace Cryo.Agent.Hosting;

/// <summary>
/// Prepares the path of the agent's Unix socket before Kestrel binds it, and locks the socket down after.
/// </summary>
public static class UnixSocketFile
{
    /// <summary>The mode of the socket: read/write for the owner (root) only.</summary>
    public const UnixFileMode SocketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Creates the socket's directory (mode 0700 when it creates it) and removes a stale socket left by
    /// an agent that did not stop cleanly. Refuses to remove anything that is not a socket.
    /// </summary>
    /// <param name="path">The socket's path.</param>
    /// <param name="setting">The setting that names it, for the errors.</param>
    public static void PrepareForBind(string path, string setting = "Agent:SocketPath (--socket)")
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("the agent runs on Linux only");
        }

        var directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory) && !Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        if (Directory.Exists(path))
        {
            throw new InvalidOperationException($"{setting} '{path}' is a directory");
        }

        if (!File.Exists(path))
        {
            return;
        }

        if (OpensAsFile(path))
        {
            throw new InvalidOperationException($"{setting} '{path}' is a regular file, not a stale socket; refusing to replace it");
        }

        File.Delete(path);
    }

    /// <summary>Sets the socket's mode to 0600.</summary>
    public static void Restrict(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("the agent runs on Linux only");
        }

        File.SetUnixFileMode(path, SocketMode);
    }

    // A regular file opens for reading; a socket does not (ENXIO), which is how a stale socket is told apart
    // without lstat, which .NET does not expose.
    private static bool OpensAsFile(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
