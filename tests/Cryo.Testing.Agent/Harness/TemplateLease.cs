namespace Cryo.Testing.Agent.Harness;

/// <summary>Keeps the shared busybox template root alive; see <see cref="Rootfs.AcquireTemplateAsync"/>.</summary>
public sealed class TemplateLease : IDisposable
{
    private int _released;

    internal TemplateLease(string path)
    {
        Path = path;
    }

    /// <summary>The template's root directory (read-only by convention: it is every workload's lower layer).</summary>
    public string Path { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            Rootfs.Release();
        }
    }
}
