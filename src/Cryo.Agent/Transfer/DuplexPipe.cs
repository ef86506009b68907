using System.IO.Pipelines;

namespace Cryo.Agent.Transfer;

/// <summary>A connection's transport with its writer replaced (<see cref="LargeTlsWrites"/>).</summary>
internal sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
