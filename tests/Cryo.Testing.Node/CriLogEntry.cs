namespace Cryo.Testing.Node;

/// <summary>One line of a CRI container log file: <c>&lt;time&gt; &lt;stream&gt; &lt;P|F&gt; &lt;text&gt;</c>.</summary>
/// <param name="Time">When the runtime read it (RFC 3339 with nanoseconds in the file; 100 ns precision here).</param>
/// <param name="Stream"><c>stdout</c> or <c>stderr</c>.</param>
/// <param name="Partial"><c>P</c>: the text continues in the next entry of the same stream (a long line split by the runtime); <c>F</c>: it ended with a newline.</param>
/// <param name="Text">The text, without the newline.</param>
public sealed record CriLogEntry(DateTimeOffset Time, string Stream, bool Partial, string Text);
