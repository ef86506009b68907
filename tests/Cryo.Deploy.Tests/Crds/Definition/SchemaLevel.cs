namespace Cryo.Deploy.Tests.Crds.Definition;

/// <summary>Where a schema sits, for the structural rules that differ by place (apiextensions' level).</summary>
public enum SchemaLevel
{
    /// <summary>The openAPIV3Schema itself.</summary>
    Root,

    /// <summary>The items schema of an array.</summary>
    Item,

    /// <summary>A property or additionalProperties schema of an object.</summary>
    Field,
}
