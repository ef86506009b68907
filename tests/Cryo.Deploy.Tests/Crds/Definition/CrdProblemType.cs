namespace Cryo.Deploy.Tests.Crds.Definition;

/// <summary>The kinds of field errors the API server reports (k8s.io/apimachinery field.ErrorType), plus strict decoding.</summary>
public enum CrdProblemType
{
    /// <summary>"Invalid value": the value breaks a rule.</summary>
    Invalid,

    /// <summary>"Forbidden": the field may not be set here.</summary>
    Forbidden,

    /// <summary>"Required value": the field must be set.</summary>
    Required,

    /// <summary>"Unsupported value": not one of the allowed values.</summary>
    NotSupported,

    /// <summary>"Duplicate value": the value appears twice.</summary>
    Duplicate,

    /// <summary>"Too many": more entries than allowed.</summary>
    TooMany,

    /// <summary>The request does not decode into a CustomResourceDefinition (unknown field, wrong JSON type).</summary>
    Decoding,
}
