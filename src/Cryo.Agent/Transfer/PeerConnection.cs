using Cryo.Contracts.Agent.V1;

namespace Cryo.Agent.Transfer;

/// <summary>
/// One connection of a pull to the source agent: its <c>CheckpointTransfer</c> client (the manifest, and the
/// file bytes when there is no <see cref="Bytes"/>), and the HTTP/1.1 client of its
/// <see cref="CheckpointBytesEndpoint"/>, on a TLS session of its own, that fetches the file bytes without gRPC's framing.
/// </summary>
/// <param name="Transfer">The gRPC client.</param>
/// <param name="Bytes">The HTTP client whose base address is the source's mutual-TLS listener; null to fetch the bytes over gRPC.</param>
public sealed record PeerConnection(CheckpointTransfer.CheckpointTransferClient Transfer, HttpClient? Bytes = null);
