namespace Cryo.Agent.Tests.Support;

/// <summary>Records progress reports (tests assert on the stages seen).</summary>
public sealed class RecordingProgress<T> : IProgress<T>
{
    private readonly List<T> reports = [];

    public IReadOnlyList<T> Reports
    {
        get
        {
            lock (reports)
            {
                return [.. reports];
            }
        }
    }

    public void Report(T value)
    {
        lock (reports)
        {
            reports.Add(value);
        }
    }
}
