using System.Runtime.InteropServices;

namespace Cryo.Agent.Store.Hashing;

/// <summary>
/// SHA-256 of several equally long byte ranges at once, through <c>libcryo-sha256.so</c> (src/cryo-sha256): the
/// x86 SHA extensions with the messages' rounds interleaved. Every checkpoint hashes every byte it writes
/// and every restore every byte it reads, beside CRIU: measured with <c>hack/bench.sh agent --only hashing</c>
/// on this project's 2-core VM, two 16 MiB chunks read into buffers and hashed together (<see cref="Hash"/>) take
/// 0.70 of the CPU of .NET's SHA-256 (OpenSSL) hashing them one by one, and the 4 KiB pages of a megabyte hashed in
/// one call (<see cref="HashMany"/>) under half. Where the library is missing (built by the agent's build when gcc
/// is installed) or the CPU lacks the extensions, <see cref="IsAvailable"/> is false, <see cref="Description"/>
/// says why, and callers hash one range at a time with OpenSSL.
/// </summary>
public static unsafe class InterleavedSha256
{
    /// <summary>The library's file name; it is looked for beside the agent's assembly.</summary>
    public const string LibraryFileName = "libcryo-sha256.so";

    private static readonly Lazy<Binding> Bound = new(Bind);

    /// <summary>Whether ranges can be hashed together here.</summary>
    public static bool IsAvailable => Bound.Value.Hash is not null;

    /// <summary>What hashes checkpoint images here, and if it is not the library, why not.</summary>
    public static string Description => Bound.Value.Description;

    /// <summary>Writes the SHA-256 of <paramref name="first"/> and of <paramref name="second"/> (equally long).</summary>
    /// <exception cref="InvalidOperationException">Not <see cref="IsAvailable"/>.</exception>
    public static void Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> firstDigest, Span<byte> secondDigest)
    {
        var hash = Bound.Value.Hash;
        if (hash is null)
        {
            throw new InvalidOperationException($"interleaved SHA-256 is not available: {Description}");
        }

        ArgumentOutOfRangeException.ThrowIfNotEqual(second.Length, first.Length, nameof(second));
        ArgumentOutOfRangeException.ThrowIfLessThan(firstDigest.Length, 32, nameof(firstDigest));
        ArgumentOutOfRangeException.ThrowIfLessThan(secondDigest.Length, 32, nameof(secondDigest));
        fixed (byte* a = first, b = second, digestA = firstDigest, digestB = secondDigest)
        {
            hash(a, b, (nuint)first.Length, digestA, digestB);
        }
    }

    /// <summary>
    /// Writes the SHA-256 of each <paramref name="messageLength"/>-byte message of <paramref name="messages"/>, laid end to
    /// end, into <paramref name="digests"/> (32 bytes each, in order), in one call into the library.
    /// </summary>
    /// <exception cref="InvalidOperationException">Not <see cref="IsAvailable"/>.</exception>
    public static void HashMany(ReadOnlySpan<byte> messages, int messageLength, Span<byte> digests)
    {
        var hashMany = Bound.Value.HashMany;
        if (hashMany is null)
        {
            throw new InvalidOperationException($"interleaved SHA-256 is not available: {Description}");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(messageLength);
        if (messages.Length % messageLength != 0)
        {
            throw new ArgumentException($"{messages.Length} bytes are not whole {messageLength}-byte messages", nameof(messages));
        }

        var count = messages.Length / messageLength;
        ArgumentOutOfRangeException.ThrowIfLessThan(digests.Length, count * 32, nameof(digests));
        fixed (byte* data = messages, digest = digests)
        {
            hashMany(data, (nuint)count, (nuint)messageLength, digest);
        }
    }

    private static Binding Bind()
    {
        var path = Path.Combine(AppContext.BaseDirectory, LibraryFileName);
        const string fallback = "OpenSSL, one chunk per core";
        if (!NativeLibrary.TryLoad(path, out var library))
        {
            return new Binding(null, null, $"{fallback}: {path} is missing (the agent's build compiles src/cryo-sha256 when gcc is installed)");
        }

        if (!NativeLibrary.TryGetExport(library, "cryo_sha256_lanes", out var lanes) || !NativeLibrary.TryGetExport(library, "cryo_sha256_x2", out var hash)
            || !NativeLibrary.TryGetExport(library, "cryo_sha256_many", out var hashMany))
        {
            return new Binding(null, null, $"{fallback}: {path} lacks cryo_sha256_lanes, cryo_sha256_x2 or cryo_sha256_many");
        }

        if (((delegate* unmanaged<int>)lanes)() < 2)
        {
            return new Binding(null, null, $"{fallback}: this CPU has no SHA extensions");
        }

        return new Binding((delegate* unmanaged<byte*, byte*, nuint, byte*, byte*, void>)hash, (delegate* unmanaged<byte*, nuint, nuint, byte*, void>)hashMany,
            $"{LibraryFileName}, x86 SHA extensions, two chunks or four pages per core");
    }

    private sealed class Binding(delegate* unmanaged<byte*, byte*, nuint, byte*, byte*, void> hash, delegate* unmanaged<byte*, nuint, nuint, byte*, void> hashMany, string description)
    {
        public delegate* unmanaged<byte*, byte*, nuint, byte*, byte*, void> Hash { get; } = hash;

        public delegate* unmanaged<byte*, nuint, nuint, byte*, void> HashMany { get; } = hashMany;

        public string Description { get; } = description;
    }
}
