namespace Cryo.Agent.Tests.Filesystem;

/// <summary>
/// A container-like overlay root: a shared read-only lower directory and a private upper layer, mounted
/// at <see cref="Merged"/> as containerd's snapshotter does. Unmounted on dispose.
/// </summary>
internal sealed class OverlayMount : IDisposable
{
    private bool _mounted;

    public OverlayMount(string lower, string baseDir)
    {
        Upper = Directory.CreateDirectory(Path.Join(baseDir, "upper")).FullName;
        Work = Directory.CreateDirectory(Path.Join(baseDir, "work")).FullName;
        Merged = Directory.CreateDirectory(Path.Join(baseDir, "merged")).FullName;
        Command.Run("mount", "-t", "overlay", "overlay", "-o", $"lowerdir={lower},upperdir={Upper},workdir={Work}", Merged);
        _mounted = true;
    }

    public string Upper { get; }

    public string Work { get; }

    public string Merged { get; }

    public void Dispose()
    {
        if (_mounted)
        {
            Command.Run("umount", "--lazy", Merged);
            _mounted = false;
        }
    }
}
