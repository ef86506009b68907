namespace Cryo.Agent.Filesystem;

/// <summary>
/// How deletions and extended attributes are written into the PAX archives of this folder. Deletions use
/// the OCI image layer convention, so the archive reads like a layer: an empty file named
/// <c>.wh.&lt;name&gt;</c> deletes <c>&lt;name&gt;</c>; <c>.wh..wh..opq</c> in a directory hides everything
/// the lower layers had there. Extended attributes use libarchive's PAX keys (value in base64, lossless
/// for binary values such as security.capability), so bsdtar can read them too.
/// </summary>
internal static class LayerArchiveFormat
{
    public const string WhiteoutPrefix = ".wh.";
    public const string OpaqueMarker = ".wh..wh..opq";
    public const string AttributeKeyPrefix = "LIBARCHIVE.xattr.";
    public const string AccessTimeKey = "atime";
    public const string ModificationTimeKey = "mtime";

    /// <summary>
    /// The modification time with all nine digits: .NET's TarWriter always rewrites "mtime" from the entry's
    /// DateTimeOffset, which keeps only 100 ns.
    /// </summary>
    public const string PreciseModificationTimeKey = "CRYO.mtime";

    // Rootful overlays (containerd, CRI-O) keep their bookkeeping in trusted.overlay.*. Only rootless mounts
    // with "userxattr" use user.overlay.*, and there those names are overlay's; elsewhere they are user data.
    private const string OverlayPrefix = "trusted.overlay.";

    /// <summary>
    /// The extended attributes that travel: user.*, trusted.* and file capabilities, but never overlayfs's
    /// own bookkeeping (trusted.overlay.*), which describes the source's layers, not the file.
    /// </summary>
    public static bool ShouldCapture(string attributeName) =>
        !IsOverlayAttribute(attributeName) &&
        (attributeName.StartsWith("user.", StringComparison.Ordinal) ||
         attributeName.StartsWith("trusted.", StringComparison.Ordinal) ||
         attributeName == "security.capability");

    /// <summary>Whether an attribute is overlayfs's own (trusted.overlay.*).</summary>
    public static bool IsOverlayAttribute(string attributeName) =>
        attributeName.StartsWith(OverlayPrefix, StringComparison.Ordinal);

    /// <summary>The overlay attribute trusted.overlay.<paramref name="suffix"/> (e.g. "opaque"), or null.</summary>
    public static byte[]? GetOverlayAttribute(string path, string suffix) =>
        NativeMethods.GetAttribute(path, OverlayPrefix + suffix);

    public static string AttributeKey(string attributeName) => AttributeKeyPrefix + Uri.EscapeDataString(attributeName);

    public static string? AttributeName(string key) =>
        key.StartsWith(AttributeKeyPrefix, StringComparison.Ordinal)
            ? Uri.UnescapeDataString(key[AttributeKeyPrefix.Length..])
            : null;
}
