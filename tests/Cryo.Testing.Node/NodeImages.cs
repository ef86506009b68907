using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Cryo.Testing.Node;

/// <summary>
/// Images on the harness's node. There is no registry here: an image is a directory written as an OCI archive and
/// imported into containerd's <c>k8s.io</c> namespace (where the CRI sees it), once per reference and test run.
/// </summary>
public sealed class NodeImages
{
    /// <summary>A busybox-static image (<c>/bin/sh</c> and every applet), the default for test pods.</summary>
    public const string Busybox = "localhost/cryo/busybox:1";

    /// <summary>The sandbox image (a static pause built from <c>pause.c</c>).</summary>
    public const string Pause = "localhost/cryo/pause:1";

    private readonly Containerd _containerd;
    private readonly CriClient _cri;
    private readonly string _workDirectory;
    private readonly ConcurrentDictionary<string, (string Root, Lazy<Task> Import)> _imported = new(StringComparer.Ordinal);

    internal NodeImages(Containerd containerd, CriClient cri, string workDirectory)
    {
        _containerd = containerd;
        _cri = cri;
        _workDirectory = workDirectory;
    }

    /// <summary>
    /// Imports <paramref name="rootDirectory"/> as <paramref name="reference"/> (e.g. <c>localhost/cryo/app:1</c>) unless this
    /// run already did; returns the image ID (what the kubelet hands the runtime).
    /// </summary>
    /// <exception cref="ArgumentException">The reference was already imported from another directory.</exception>
    public async Task<string> ImportDirectoryAsync(string rootDirectory, string reference, OciImageConfig? config, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(rootDirectory);
        var entry = _imported.GetOrAdd(reference, _ => (root, new Lazy<Task>(() => ImportAsync(root, reference, config ?? new OciImageConfig()))));
        if (entry.Root != root)
        {
            throw new ArgumentException($"image {reference} was already imported from {entry.Root}", nameof(reference));
        }

        await entry.Import.Value.WaitAsync(cancellationToken);
        return await IdAsync(reference, cancellationToken);
    }

    /// <summary>The image's ID (<c>sha256:…</c> of its config), as the kubelet resolves an image before creating a container.</summary>
    /// <exception cref="NodeSetupException">The node does not have the image (nothing is ever pulled).</exception>
    public async Task<string> IdAsync(string reference, CancellationToken cancellationToken) => (await StatusAsync(reference, cancellationToken)).Id;

    /// <summary>The CRI's view of the image (ID, tags, the user it runs as).</summary>
    /// <exception cref="NodeSetupException">The node does not have the image.</exception>
    public async Task<Image> StatusAsync(string reference, CancellationToken cancellationToken)
    {
        var status = await _cri.CallAsync($"ImageStatus {reference}",
            o => _cri.Images.ImageStatusAsync(new ImageStatusRequest { Image = new ImageSpec { Image = reference } }, o), cancellationToken);
        return status.Image ?? throw new NodeSetupException(
            $"image {reference} is not on the node and there is no registry: import it first with {nameof(NodeImages)}.{nameof(ImportDirectoryAsync)}");
    }

    /// <summary>Builds a busybox-static root (<c>/bin</c> with an applet link per command, <c>/etc/passwd</c>, <c>/tmp</c>…).</summary>
    public static async Task BuildBusyboxRootAsync(string root, CancellationToken cancellationToken)
    {
        const string busybox = Rootfs.BusyboxPath;
        if (!File.Exists(busybox))
        {
            throw new NodeSetupException($"{busybox} is missing: run hack/install-deps.sh (package busybox-static)");
        }

        foreach (var dir in new[] { "bin", "dev", "etc", "proc", "root", "sys", "tmp", "var", "usr" })
        {
            Directory.CreateDirectory(Path.Combine(root, dir));
        }

        File.SetUnixFileMode(Path.Combine(root, "tmp"), (UnixFileMode)Convert.ToInt32("1777", 8));
        File.Copy(busybox, Path.Combine(root, "bin", "busybox"));
        var applets = (await HostCommand.RunAsync(busybox, ["--list"], cancellationToken)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var applet in applets.Where(a => a != "busybox" && !a.Contains('/', StringComparison.Ordinal)))
        {
            File.CreateSymbolicLink(Path.Combine(root, "bin", applet), "busybox");
        }

        Directory.CreateSymbolicLink(Path.Combine(root, "sbin"), "bin");
        Directory.CreateSymbolicLink(Path.Combine(root, "usr", "bin"), "../bin");
        Directory.CreateSymbolicLink(Path.Combine(root, "usr", "sbin"), "../bin");
        await File.WriteAllTextAsync(Path.Combine(root, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(root, "etc", "group"), "root:x:0:\nnogroup:x:65534:\n", cancellationToken);
    }

    /// <summary>Builds the pause root: a static <c>/pause</c> compiled from <c>pause.c</c> with gcc.</summary>
    public static async Task BuildPauseRootAsync(string root, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(root);
        var source = Path.Combine(Path.GetDirectoryName(SourcePath())!, "pause.c");
        await HostCommand.RunAsync("gcc", ["-static", "-O2", "-Wall", "-Werror", "-o", Path.Combine(root, "pause"), source], cancellationToken);
    }

    private async Task ImportAsync(string root, string reference, OciImageConfig config)
    {
        Directory.CreateDirectory(_workDirectory);
        var archive = Path.Combine(_workDirectory, Guid.NewGuid().ToString("N") + ".tar");
        try
        {
            await OciArchive.WriteAsync(root, reference, config, archive, CancellationToken.None);
            await HostCommand.RunAsync("ctr", ["--address", _containerd.Address, "--namespace", "k8s.io", "images", "import", "--snapshotter", "overlayfs", archive],
                CancellationToken.None, TimeSpan.FromMinutes(2));
        }
        finally
        {
            File.Delete(archive);
        }
    }

    private static string SourcePath([CallerFilePath] string path = "") => path;
}
