namespace Cryo.Criu.Options;

/// <summary>A TCP address CRIU connects to or listens on (<c>--address</c>, <c>--port</c>).</summary>
/// <param name="Address">Host address, e.g. <c>127.0.0.1</c>.</param>
/// <param name="Port">TCP port.</param>
public sealed record CriuEndpoint(string Address, int Port);
