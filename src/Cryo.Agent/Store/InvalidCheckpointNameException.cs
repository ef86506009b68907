namespace Cryo.Agent.Store;

/// <summary>
/// A namespace, checkpoint name or UID that may not be used to build a path in the store
/// (path traversal, wrong characters, wrong length).
/// </summary>
public sealed class InvalidCheckpointNameException : CheckpointStoreException
{
    /// <summary>Creates the exception for one field.</summary>
    /// <param name="field">Which field was rejected: <c>namespace</c>, <c>name</c> or <c>uid</c>.</param>
    /// <param name="value">The rejected value (shown escaped and shortened in the message).</param>
    /// <param name="rule">What the field allows.</param>
    public InvalidCheckpointNameException(string field, string? value, string rule)
        : base($"checkpoint {field} {Describe(value)} is invalid: {rule}")
    {
        Field = field;
        Value = value;
        Rule = rule;
    }

    /// <summary>The rejected field: <c>namespace</c>, <c>name</c> or <c>uid</c>.</summary>
    public string Field { get; }

    /// <summary>The rejected value, as given.</summary>
    public string? Value { get; }

    /// <summary>What the field allows.</summary>
    public string Rule { get; }

    // The value comes from a caller and may hold control characters or be huge: keep the message printable.
    private static string Describe(string? value)
    {
        if (value is null)
        {
            return "(null)";
        }

        var shown = value.Length > 80 ? value[..80] + "…" : value;
        var builder = new System.Text.StringBuilder("\"");
        foreach (var c in shown)
        {
            builder.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        }

        return builder.Append('"').Append(value.Length > 80 ? $" ({value.Length} chars)" : string.Empty).ToString();
    }
}
