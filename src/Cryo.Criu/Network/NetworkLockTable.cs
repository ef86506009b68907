using Cryo.Criu.Logs;

namespace Cryo.Criu.Network;

/// <summary>
/// The nftables table with which <c>criu dump --tcp-established --network-lock nftables</c> drops the
/// packets of the connections it dumps: <c>inet CRIU-&lt;run id&gt;</c>, in the network namespace CRIU
/// runs in. A dump that finishes with <c>--leave-running</c> (or fails on its own) deletes it; a dump
/// that ends the tree leaves it for the restore; a CRIU that is killed leaves it behind, and the tree's
/// connections stay dead until someone deletes it.
/// </summary>
/// <param name="RunId">The run ID of the CRIU run that made it (see <see cref="CriuLog.ReadRunId"/>).</param>
public sealed record NetworkLockTable(string RunId)
{
    /// <summary>The nftables family of the table (both IPv4 and IPv6 connections).</summary>
    public const string Family = "inet";

    /// <summary>What every such table's name starts with.</summary>
    public const string NamePrefix = "CRIU-";

    // CRIU 4.2.1 prints "inet CRIU-<run id>" into a 32-byte buffer: the table it makes is named by the
    // first 21 characters of the ID only (CRIU-dc3353c1-17f7-474d-98). Later releases size the buffer for
    // the whole ID. A name cut shorter than that is not taken for this run's.
    private const int CutNameLength = 32 - 1 - 5;

    /// <summary>The table's name as a CRIU that keeps the whole ID names it, e.g. <c>CRIU-0f0ba1b1-4535-4ce9-b903-202317700b52</c>.</summary>
    public string Name => NamePrefix + RunId;

    /// <summary>Whether an nftables table name (without family) is this run's table, as any CRIU release names it.</summary>
    public bool IsNamed(string tableName)
    {
        ArgumentNullException.ThrowIfNull(tableName);
        return tableName.Length >= Math.Min(CutNameLength, Name.Length) && Name.StartsWith(tableName, StringComparison.Ordinal);
    }

    /// <summary>As <c>nft</c> names it: <c>inet CRIU-…</c>.</summary>
    public override string ToString() => $"{Family} {Name}";
}
