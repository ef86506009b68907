namespace Cryo.Deploy.Tests.Crds.Cel;

/// <summary>
/// A parsed expression of the CEL subset <see cref="CelParser"/> reads. One tree serves both users: the
/// object validator evaluates it (<see cref="CelCompiler"/>) and the CRD checker types and prices it
/// (the CRD checker), so the two never disagree about what a rule says. Operators are calls
/// named as CEL's own checker names them (<c>_==_</c>, <c>@in</c>, <c>_?_:_</c>, <c>_[_]</c>, ...).
/// </summary>
/// <param name="Position">Offset of the expression in the rule text, for messages.</param>
public abstract record CelExpr(int Position)
{
    /// <summary>A literal: null, bool, long, double or string.</summary>
    public sealed record Literal(object? Value, int Position) : CelExpr(Position);

    /// <summary>A variable: self, oldSelf or a macro's iteration variable.</summary>
    public sealed record Ident(string Name, int Position) : CelExpr(Position);

    /// <summary>Field selection <c>operand.field</c>, or the presence test <c>has(operand.field)</c> when <paramref name="TestOnly"/>.</summary>
    public sealed record Select(CelExpr Operand, string Field, bool TestOnly, int Position) : CelExpr(Position);

    /// <summary>A function, method (<paramref name="Target"/> set) or operator call.</summary>
    public sealed record Call(string Function, CelExpr? Target, IReadOnlyList<CelExpr> Args, int Position) : CelExpr(Position);

    /// <summary>A list literal.</summary>
    public sealed record CreateList(IReadOnlyList<CelExpr> Items, int Position) : CelExpr(Position);

    /// <summary>The <c>all</c> or <c>exists</c> macro over <paramref name="Range"/>.</summary>
    public sealed record Comprehension(string Macro, CelExpr Range, string Variable, CelExpr Predicate, int Position) : CelExpr(Position);
}
