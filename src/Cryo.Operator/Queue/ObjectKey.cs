namespace Cryo.Operator.Queue;

/// <summary>The work queue's key: one namespaced object.</summary>
/// <param name="Namespace">The object's namespace.</param>
/// <param name="Name">The object's name.</param>
public readonly record struct ObjectKey(string Namespace, string Name)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Namespace}/{Name}";
}
