using System.Diagnostics;

namespace Cryo.CommandLine;

/// <summary>
/// Progress on standard error for operations that take longer than a moment: nothing for a quick one,
/// then the current stage once it has run for <see cref="Threshold"/>, and each later stage as it comes.
/// </summary>
public sealed class ProgressLine : IDisposable
{
    /// <summary>How long an operation runs before progress is shown.</summary>
    public static readonly TimeSpan Threshold = TimeSpan.FromSeconds(1);

    private readonly Lock gate = new();
    private readonly TextWriter error;
    private readonly string subject;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly Timer timer;
    private string current;
    private string? printed;
    private bool shown;
    private bool done;

    /// <summary>Starts timing an operation.</summary>
    /// <param name="error">Where progress goes.</param>
    /// <param name="subject">What is going on, e.g. "checkpoint default/web".</param>
    /// <param name="initial">The first stage's words.</param>
    public ProgressLine(TextWriter error, string subject, string initial)
    {
        this.error = error;
        this.subject = subject;
        current = initial;
        timer = new Timer(_ => Show(), null, Threshold, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The operation entered a new stage.</summary>
    public void Report(string stage)
    {
        lock (gate)
        {
            current = stage;
            if (shown)
            {
                WriteLine();
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (gate)
        {
            done = true;
        }

        timer.Dispose();
    }

    private void Show()
    {
        lock (gate)
        {
            if (!done && !shown)
            {
                shown = true;
                WriteLine();
            }
        }
    }

    private void WriteLine()
    {
        // A stage reported twice is shown once.
        if (current != printed)
        {
            printed = current;
            error.WriteLine($"{subject}: {current} ({clock.Elapsed.TotalSeconds:0.0} s)");
        }
    }
}
