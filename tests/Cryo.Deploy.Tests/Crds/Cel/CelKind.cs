namespace Cryo.Deploy.Tests.Crds.Cel;

/// <summary>The CEL types a CRD schema can declare (apiserver's DeclType kinds).</summary>
public enum CelKind
{
    /// <summary>Checked at run time only (x-kubernetes-int-or-string).</summary>
    Dyn,

    /// <summary>The null literal.</summary>
    Null,

    /// <summary>boolean.</summary>
    Bool,

    /// <summary>integer.</summary>
    Int,

    /// <summary>Unsigned integer (literals only).</summary>
    Uint,

    /// <summary>number.</summary>
    Double,

    /// <summary>string.</summary>
    String,

    /// <summary>string with format: byte.</summary>
    Bytes,

    /// <summary>string with format: date or date-time.</summary>
    Timestamp,

    /// <summary>string with format: duration.</summary>
    Duration,

    /// <summary>array.</summary>
    List,

    /// <summary>object with additionalProperties.</summary>
    Map,

    /// <summary>object with properties.</summary>
    Object,
}
