using Cryo.Agent.Operations;
using Cryo.Agent.Store;

namespace Cryo.Agent.Transfer;

/// <summary>
/// Bytes pulled from another agent do not match the manifest (FAILED_PRECONDITION, CHECKPOINT_CORRUPTED):
/// a range refetched once still had another SHA-256, or the source sent what the manifest does not list.
/// Nothing was committed.
/// </summary>
public sealed class TransferVerificationException : AgentException
{
    /// <summary>Creates the exception naming the file and the byte range.</summary>
    /// <param name="key">The checkpoint being pulled.</param>
    /// <param name="peer">The agent it was pulled from.</param>
    /// <param name="relativePath">The file, as the manifest lists it.</param>
    /// <param name="offset">The first byte of the range.</param>
    /// <param name="length">The range's length.</param>
    /// <param name="detail">What differed, in words.</param>
    public TransferVerificationException(CheckpointKey key, string peer, string relativePath, long offset, long length, string detail)
        : base($"pulling checkpoint {key} from {peer} failed: {relativePath} bytes {offset}-{offset + length - 1}: {detail}; nothing was committed")
    {
        Key = key;
        RelativePath = relativePath;
        Offset = offset;
        Length = length;
    }

    /// <summary>The checkpoint being pulled.</summary>
    public CheckpointKey Key { get; }

    /// <summary>The file, as the manifest lists it.</summary>
    public string RelativePath { get; }

    /// <summary>The first byte of the range.</summary>
    public long Offset { get; }

    /// <summary>The range's length.</summary>
    public long Length { get; }
}
