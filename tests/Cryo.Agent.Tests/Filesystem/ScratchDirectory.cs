namespace Cryo.Agent.Tests.Filesystem;

/// <summary>A temporary directory removed with everything in it on dispose (after the mounts in it are gone).</summary>
internal sealed class ScratchDirectory : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("cryo-fs-test-");

    public string Path => _directory.FullName;

    public string Combine(params string[] parts) => System.IO.Path.Join([Path, .. parts]);

    public void Dispose() => _directory.Delete(recursive: true);
}
