using System.Runtime.InteropServices;
using System.Text;

namespace Cryo.Agent.Tests.Filesystem;

/// <summary>Sets and reads extended attributes (no attr tools are installed on the test machine).</summary>
internal static class ExtendedAttribute
{
    public static void Set(string path, string name, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        if (Lsetxattr(path, name, bytes, (nuint)bytes.Length, 0) != 0)
        {
            throw new IOException($"lsetxattr({path}, {name}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public static string? Get(string path, string name)
    {
        var buffer = new byte[4096];
        var size = Lgetxattr(path, name, buffer, (nuint)buffer.Length);
        return size < 0 ? null : Encoding.UTF8.GetString(buffer, 0, (int)size);
    }

    [DllImport("libc", EntryPoint = "lsetxattr", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Lsetxattr(
        [MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[] value, nuint size, int flags);

    [DllImport("libc", EntryPoint = "lgetxattr", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern nint Lgetxattr(
        [MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[] value, nuint size);
}
