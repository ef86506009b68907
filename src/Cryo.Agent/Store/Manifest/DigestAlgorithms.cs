namespace Cryo.Agent.Store.Manifest;

/// <summary>How the digests of a <see cref="ManifestFile"/> are computed (<see cref="ManifestFile.DigestAlgorithm"/>).</summary>
public static class DigestAlgorithms
{
    /// <summary>
    /// SHA-256 of the range's bytes, what <c>sha256sum</c> prints: what an entry without <c>digestAlgorithm</c> means
    /// (every entry of schema versions 1 to 3).
    /// </summary>
    public const string Sha256 = "sha256";

    /// <summary>
    /// SHA-256 over the SHA-256 of each 4096-byte page of the range, in order, 32 bytes each (a last page shorter
    /// than 4096 bytes is hashed as it is): one level of a hash tree. Pages images are listed so from schema
    /// version 4: their page digests are made anyway for the checkpoint's page index, so each byte is hashed once
    /// where a plain digest beside them would hash it twice. A changed byte changes its page's digest, and so the range's.
    /// </summary>
    public const string Sha256OfPages = "sha256-pages";

    /// <summary>Bytes per page of <see cref="Sha256OfPages"/>.</summary>
    public const int PageSize = 4096;

    /// <summary>Whether this code computes <paramref name="algorithm"/> (null is <see cref="Sha256"/>).</summary>
    public static bool IsKnown(string? algorithm) => algorithm is null or Sha256 or Sha256OfPages;
}
