using System.Globalization;

namespace Cryo.Agent.Tests.Support;

/// <summary>Reads the counters test workloads print, one number per line.</summary>
public static class Counter
{
    /// <summary>A busybox script printing 1, 2, 3, … every 50 ms on standard output.</summary>
    public const string Script = "i=0\nwhile :; do i=$((i+1)); echo $i; sleep 0.05; done\n";

    /// <summary>The numbers in the text, in order; a half-written last line is ignored.</summary>
    public static IReadOnlyList<int> Values(string text) =>
        text.Split('\n').SkipLast(1)
            .Select(l => int.TryParse(l.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1)
            .Where(v => v >= 0)
            .ToList();

    /// <summary>The last number printed, or 0.</summary>
    public static int Last(string text) => Values(text) is { Count: > 0 } values ? values[^1] : 0;

    /// <summary>Reads a file that another process appends to; empty when it does not exist yet.</summary>
    public static string ReadShared(string path)
    {
        if (!File.Exists(path)) return "";
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Waits until the file's numbers satisfy the predicate.</summary>
    public static async Task<IReadOnlyList<int>> WaitForFileAsync(string path, Func<IReadOnlyList<int>, bool> predicate, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var values = Values(ReadShared(path));
            if (predicate(values)) return values;
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{path} never satisfied the condition; it holds: {string.Join(',', values.TakeLast(10))}");
            }
            await Task.Delay(50);
        }
    }
}
