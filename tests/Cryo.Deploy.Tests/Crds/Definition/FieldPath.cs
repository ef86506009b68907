namespace Cryo.Deploy.Tests.Crds.Definition;

/// <summary>
/// A path into the CustomResourceDefinition as the API server prints it in errors
/// (k8s.io/apimachinery field.Path): <c>.child</c> for fields, <c>[0]</c> for list indices and
/// <c>[key]</c> (unquoted) for map keys, so <c>spec.validation.openAPIV3Schema.properties[metadata]</c>.
/// </summary>
public sealed class FieldPath
{
    private readonly string _text;

    private FieldPath(string text) => _text = text;

    /// <summary>A path starting at the top-level field <paramref name="name"/>.</summary>
    public static FieldPath Root(string name) => new(name);

    /// <summary>The field <paramref name="name"/> under this path (may itself contain dots, as the API server's own paths do).</summary>
    public FieldPath Child(string name) => new($"{_text}.{name}");

    /// <summary>The list item <paramref name="index"/> under this path.</summary>
    public FieldPath Index(int index) => new($"{_text}[{index}]");

    /// <summary>The map entry <paramref name="key"/> under this path.</summary>
    public FieldPath Key(string key) => new($"{_text}[{key}]");

    /// <inheritdoc/>
    public override string ToString() => _text;
}
