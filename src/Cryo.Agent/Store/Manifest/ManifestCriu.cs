namespace Cryo.Agent.Store.Manifest;

/// <summary>The CRIU and kernel that wrote a checkpoint's images.</summary>
public sealed class ManifestCriu
{
    /// <summary>CRIU version, e.g. <c>4.2.1</c>.</summary>
    public string Version { get; set; } = string.Empty;

    /// <summary>Kernel release (<c>uname -r</c>).</summary>
    public string KernelRelease { get; set; } = string.Empty;
}
