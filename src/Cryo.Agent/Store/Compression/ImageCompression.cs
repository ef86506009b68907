using Cryo.Criu.Images;

namespace Cryo.Agent.Store.Compression;

/// <summary>
/// Compression at rest of a checkpoint's memory page images (<c>pages-N.img</c>), the bulk of every checkpoint: the
/// values of <c>spec.compression</c> / <c>options.compression</c>, and how compressed files are named.
/// </summary>
public static class ImageCompression
{
    /// <summary>Stored as CRIU wrote them (the default).</summary>
    public const string None = "none";

    /// <summary>
    /// Each page image compressed into one zstd frame, <c>pages-N.img.zst</c>, with zstd's content checksum; what
    /// <c>zstd -d</c> turns back into CRIU's file.
    /// </summary>
    public const string Zstd = "zstd";

    /// <summary>What a compressed page image's name ends in.</summary>
    public const string ZstdSuffix = ".zst";

    /// <summary>
    /// The zstd level: 1, the fastest of the standard levels. The dump's own time is what a user pays for (the workload
    /// may be frozen for it, and a checkpoint is not committed before); on memory images, higher levels gained a few per
    /// cent of size for several times the CPU (<c>hack/bench.sh compression</c>).
    /// </summary>
    public const int ZstdLevel = 1;

    /// <summary>The values a request may give, for error messages.</summary>
    public static readonly IReadOnlyList<string> Values = [None, Zstd];

    /// <summary>Whether <paramref name="value"/> names a known compression (empty meaning <see cref="None"/>).</summary>
    public static bool IsKnown(string? value) => string.IsNullOrEmpty(value) || value is None or Zstd;

    /// <summary>Whether <paramref name="value"/> asks for compression at all.</summary>
    public static bool IsCompressed(string? value) => value == Zstd;

    /// <summary>The stored name of a page image compressed with zstd: <c>pages-1.img</c> → <c>pages-1.img.zst</c>.</summary>
    public static string CompressedName(string fileName) => fileName + ZstdSuffix;

    /// <summary>Whether <paramref name="fileName"/> is a page image compressed at rest (<c>pages-N.img.zst</c>).</summary>
    public static bool IsCompressedPagesImage(string fileName) =>
        fileName.EndsWith(ZstdSuffix, StringComparison.Ordinal) && CriuImageFiles.IsPagesImage(PlainName(fileName));

    /// <summary>The name CRIU knows a stored file by: <c>pages-1.img.zst</c> → <c>pages-1.img</c>; other names unchanged.</summary>
    public static string PlainName(string fileName) =>
        fileName.EndsWith(ZstdSuffix, StringComparison.Ordinal) ? fileName[..^ZstdSuffix.Length] : fileName;
}
