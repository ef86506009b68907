namespace Cryo.Deploy.Tests.Crds.Cel;

/// <summary>Kinds of <see cref="CelToken"/>.</summary>
public enum CelTokenKind
{
    Identifier,
    Integer,
    Double,
    String,
    Operator,
    End,
}

/// <summary>One lexical token of a CEL expression; <see cref="Position"/> is its offset in the rule.</summary>
public sealed record CelToken(CelTokenKind Kind, string Text, int Position);
