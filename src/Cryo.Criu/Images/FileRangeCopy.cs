using System.ComponentModel;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Cryo.Criu.Images;

/// <summary>
/// Copies a byte range between two open files inside the kernel (<c>copy_file_range(2)</c>): no trip of the bytes
/// through a managed buffer, and on a filesystem that shares extents (XFS, Btrfs) no copy at all. Where the kernel
/// refuses (files on two filesystems, a filesystem without it) it copies through a buffer instead.
/// </summary>
internal static class FileRangeCopy
{
    private const int ErrorInterrupted = 4;
    private const int ErrorCrossDevice = 18;
    private const int ErrorInvalid = 22;
    private const int ErrorNotSupported = 38;
    private const int ErrorOperationNotSupported = 95;

    /// <summary>
    /// Copies <paramref name="length"/> bytes at <paramref name="sourceOffset"/> of <paramref name="source"/> to
    /// <paramref name="targetOffset"/> of <paramref name="target"/>.
    /// </summary>
    /// <exception cref="CriuImageFormatException">The source ends before the range does.</exception>
    /// <exception cref="IOException">Reading or writing failed.</exception>
    public static void Copy(SafeFileHandle source, string sourcePath, long sourceOffset, SafeFileHandle target, long targetOffset, long length, byte[] buffer)
    {
        while (length > 0)
        {
            var copied = CopyFileRange(source, ref sourceOffset, target, ref targetOffset, (nuint)length, 0);
            if (copied > 0)
            {
                length -= copied;
                continue;
            }
            if (copied == 0)
            {
                throw new CriuImageFormatException(sourcePath, $"ends at {sourceOffset}, before the {length} bytes its pagemap places there");
            }
            var error = Marshal.GetLastPInvokeError();
            if (error == ErrorInterrupted)
            {
                continue;
            }
            if (error is ErrorCrossDevice or ErrorInvalid or ErrorNotSupported or ErrorOperationNotSupported)
            {
                CopyThrough(source, sourcePath, sourceOffset, target, targetOffset, length, buffer);
                return;
            }
            throw new IOException($"copy_file_range from {sourcePath} failed", new Win32Exception(error));
        }
    }

    private static void CopyThrough(SafeFileHandle source, string sourcePath, long sourceOffset, SafeFileHandle target, long targetOffset, long length, byte[] buffer)
    {
        while (length > 0)
        {
            var chunk = buffer.AsSpan(0, (int)Math.Min(buffer.Length, length));
            PresentRunReader.ReadExactly(source, sourcePath, chunk, sourceOffset);
            RandomAccess.Write(target, chunk, targetOffset);
            sourceOffset += chunk.Length;
            targetOffset += chunk.Length;
            length -= chunk.Length;
        }
    }

    [DllImport("libc", EntryPoint = "copy_file_range", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern nint CopyFileRange(SafeFileHandle source, ref long sourceOffset, SafeFileHandle target, ref long targetOffset, nuint length, uint flags);
}
