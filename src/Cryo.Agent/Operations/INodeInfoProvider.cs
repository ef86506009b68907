namespace Cryo.Agent.Operations;

/// <summary>Describes the node's CRIU and kernel (detected once, then cached by the implementation).</summary>
public interface INodeInfoProvider
{
    /// <summary>The CRIU version, kernel release and capability set.</summary>
    Task<NodeFacts> GetNodeFactsAsync(CancellationToken cancellationToken);
}
