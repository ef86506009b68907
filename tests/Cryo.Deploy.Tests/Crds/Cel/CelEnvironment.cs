namespace Cryo.Deploy.Tests.Crds.Cel;

/// <summary>The variables a compiled expression sees: self, oldSelf and macro variables.</summary>
public sealed class CelEnvironment
{
    private readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal);

    /// <summary>A copy of this environment with <paramref name="name"/> bound to <paramref name="value"/>.</summary>
    public CelEnvironment With(string name, object? value)
    {
        var copy = new CelEnvironment();
        foreach (var (key, existing) in _variables)
        {
            copy._variables[key] = existing;
        }

        copy._variables[name] = value;
        return copy;
    }

    /// <summary>The value of <paramref name="name"/>.</summary>
    /// <exception cref="CelEvaluationException">The variable is not bound (e.g. oldSelf on create).</exception>
    public object? Get(string name) =>
        _variables.TryGetValue(name, out var value) ? value : throw new CelEvaluationException($"undeclared reference to '{name}'");
}
