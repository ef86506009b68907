namespace Cryo.Agent.Tests.Node;

/// <summary>
/// Tests that run pods on the node harness: one containerd for the whole collection. Tests in a collection run one
/// after another, so node tests never compete for the two cores (a test may still run several pods at once).
/// </summary>
[CollectionDefinition(Name)]
public sealed class NodeCollection : ICollectionFixture<NodeFixture>
{
    /// <summary>The collection's name, for <c>[Collection(NodeCollection.Name)]</c>.</summary>
    public const string Name = "node";
}
