namespace Cryo.Testing;

/// <summary>Polls a condition until it holds or a generous deadline passes (no fixed sleeps in tests).</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static async Task TrueAsync(Func<Task<bool>> condition, string? what = null, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"condition not met within {(timeout ?? DefaultTimeout).TotalSeconds} s: {what ?? "(unnamed)"}");
            }

            await Task.Delay(25);
        }
    }

    public static Task TrueAsync(Func<bool> condition, string? what = null, TimeSpan? timeout = null) =>
        TrueAsync(() => Task.FromResult(condition()), what, timeout);

    /// <summary>Reads until what <paramref name="read"/> returns meets <paramref name="condition"/>: that value, for the test to look at.</summary>
    public static async Task<T> MatchingAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string? what = null, TimeSpan? timeout = null)
    {
        T last = default!;
        await TrueAsync(async () => condition(last = await read()), what, timeout);
        return last;
    }
}
