namespace Cryo.Agent.Tests.Filesystem;

/// <summary>A small tmpfs mounted on a fresh directory (like a pod's /dev/shm), unmounted on dispose.</summary>
internal sealed class TmpfsMount : IDisposable
{
    public TmpfsMount(string path)
    {
        Path = Directory.CreateDirectory(path).FullName;
        Command.Run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", Path);
    }

    public string Path { get; }

    public void Dispose() => Command.Run("umount", "--lazy", Path);
}
