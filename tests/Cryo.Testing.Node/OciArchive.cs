using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cryo.Testing.Node;

/// <summary>
/// Writes a directory as a single-layer OCI image archive (an OCI image layout in a tar) that
/// <c>ctr images import</c> reads: the layer is an uncompressed tar of the directory (modes, owners, symlinks and
/// device nodes kept), and the index names the image with containerd's <c>io.containerd.image.name</c> annotation.
/// </summary>
public static class OciArchive
{
    private const string ManifestType = "application/vnd.oci.image.manifest.v1+json";

    /// <summary>Writes <paramref name="archivePath"/> from <paramref name="rootDirectory"/>.</summary>
    /// <param name="rootDirectory">The image's root filesystem.</param>
    /// <param name="reference">The full image name, e.g. <c>localhost/cryo/busybox:1</c>.</param>
    /// <param name="config">Entrypoint, command, environment…</param>
    /// <param name="archivePath">The archive to write (its directory holds the blobs while writing).</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    public static async Task WriteAsync(string rootDirectory, string reference, OciImageConfig config, string archivePath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        var work = archivePath + ".blobs";
        Directory.CreateDirectory(work);
        try
        {
            var layerPath = Path.Combine(work, "layer.tar");
            await using (var layer = File.Create(layerPath))
            {
                await TarFile.CreateFromDirectoryAsync(rootDirectory, layer, includeBaseDirectory: false, cancellationToken);
            }

            var layerDigest = await DigestAsync(layerPath, cancellationToken);
            var configBytes = JsonSerializer.SerializeToUtf8Bytes(new JsonObject
            {
                ["architecture"] = "amd64",
                ["os"] = "linux",
                ["config"] = new JsonObject
                {
                    ["Entrypoint"] = Array(config.Entrypoint),
                    ["Cmd"] = Array(config.Cmd),
                    ["Env"] = Array(config.Env),
                    ["WorkingDir"] = config.WorkingDir,
                    ["User"] = config.User,
                },
                ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(layerDigest) },
            });
            var manifestBytes = JsonSerializer.SerializeToUtf8Bytes(new JsonObject
            {
                ["schemaVersion"] = 2,
                ["mediaType"] = ManifestType,
                ["config"] = Descriptor("application/vnd.oci.image.config.v1+json", Digest(configBytes), configBytes.Length),
                ["layers"] = new JsonArray(Descriptor("application/vnd.oci.image.layer.v1.tar", layerDigest, new FileInfo(layerPath).Length)),
            });
            var tag = reference[(reference.LastIndexOf(':') + 1)..];
            var manifest = Descriptor(ManifestType, Digest(manifestBytes), manifestBytes.Length);
            manifest["platform"] = new JsonObject { ["architecture"] = "amd64", ["os"] = "linux" };
            manifest["annotations"] = new JsonObject
            {
                ["io.containerd.image.name"] = reference,
                ["org.opencontainers.image.ref.name"] = tag,
            };
            var indexBytes = JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["schemaVersion"] = 2, ["manifests"] = new JsonArray(manifest) });

            await using var archive = File.Create(archivePath);
            await using var writer = new TarWriter(archive, TarEntryFormat.Pax);
            await WriteBytesAsync(writer, "oci-layout", """{"imageLayoutVersion":"1.0.0"}"""u8.ToArray(), cancellationToken);
            await WriteBytesAsync(writer, "index.json", indexBytes, cancellationToken);
            await WriteBytesAsync(writer, BlobName(Digest(configBytes)), configBytes, cancellationToken);
            await WriteBytesAsync(writer, BlobName(Digest(manifestBytes)), manifestBytes, cancellationToken);
            await writer.WriteEntryAsync(layerPath, BlobName(layerDigest), cancellationToken);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static JsonNode? Array(IReadOnlyList<string>? values) => values is null ? null : new JsonArray(values.Select(v => (JsonNode?)v).ToArray());

    private static JsonObject Descriptor(string mediaType, string digest, long size) =>
        new() { ["mediaType"] = mediaType, ["digest"] = digest, ["size"] = size };

    private static string BlobName(string digest) => "blobs/sha256/" + digest["sha256:".Length..];

    private static string Digest(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static async Task<string> DigestAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        return "sha256:" + Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }

    private static async Task WriteBytesAsync(TarWriter writer, string name, byte[] bytes, CancellationToken cancellationToken)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(bytes), Mode = (UnixFileMode)Convert.ToInt32("644", 8) };
        await writer.WriteEntryAsync(entry, cancellationToken);
    }
}
