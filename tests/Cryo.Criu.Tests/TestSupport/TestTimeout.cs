namespace Cryo.Criu.Tests.TestSupport;

/// <summary>A token that ends a stuck test instead of hanging the suite.</summary>
internal static class TestTimeout
{
    public static CancellationTokenSource Start() => new(TimeSpan.FromMinutes(2));
}
