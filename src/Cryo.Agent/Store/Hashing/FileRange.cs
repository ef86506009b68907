using Microsoft.Win32.SafeHandles;

namespace Cryo.Agent.Store.Hashing;

/// <summary>
/// Bytes [<paramref name="Offset"/>, <paramref name="Offset"/> + <paramref name="Length"/>) of an open file: one piece to hash,
/// plainly or, when <paramref name="OfPages"/>, as <see cref="Manifest.DigestAlgorithms.Sha256OfPages"/>.
/// </summary>
internal readonly record struct FileRange(SafeFileHandle Handle, long Offset, long Length, bool OfPages = false);
