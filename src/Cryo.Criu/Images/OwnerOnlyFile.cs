namespace Cryo.Criu.Images;

/// <summary>New files for images and their indexes: they hold a workload's memory, secrets included, so owner only (0600).</summary>
internal static class OwnerOnlyFile
{
    /// <summary>Opens <paramref name="path"/> for writing, created with mode 0600.</summary>
    /// <param name="path">The file.</param>
    /// <param name="mode"><see cref="FileMode.CreateNew"/> to refuse an existing file, <see cref="FileMode.Create"/> to replace it.</param>
    /// <param name="bufferSize">The stream's buffer.</param>
    public static FileStream Create(string path, FileMode mode, int bufferSize = 4096)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Write, BufferSize = bufferSize };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        return new FileStream(path, options);
    }
}
