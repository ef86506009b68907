namespace Cryo.Testing;

/// <summary>A clock that stands still, so a pass's timestamps can be asserted exactly.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => now;
}
