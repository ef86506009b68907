using System.Text;

namespace Cryo.Testing.Agent.Harness;

/// <summary>
/// Drains one output stream of a workload (a pipe, or a pty master) in the background, as a container
/// runtime's shim does, so the workload never blocks on a full pipe; tests read or wait on the text.
/// </summary>
public sealed class OutputCollector
{
    private readonly StringBuilder _text = new();
    private readonly Lock _lock = new();
    private readonly Task _pump;

    /// <summary>Starts draining <paramref name="stream"/>; the collector owns and disposes it.</summary>
    public OutputCollector(Stream stream)
    {
        _pump = Task.Factory.StartNew(() => PumpAsync(stream), CancellationToken.None, TaskCreationOptions.LongRunning,
            TaskScheduler.Default).Unwrap();
    }

    /// <summary>Everything read so far.</summary>
    public string Text
    {
        get
        {
            lock (_lock)
            {
                return _text.ToString();
            }
        }
    }

    /// <summary><see langword="true"/> once every writer has closed its end.</summary>
    public bool Completed => _pump.IsCompleted;

    /// <summary>Waits until every writer has closed its end (the whole workload, restored copies included, has exited), then returns all text.</summary>
    public async Task<string> ReadToEndAsync(CancellationToken cancellationToken)
    {
        await _pump.WaitAsync(cancellationToken);
        return Text;
    }

    /// <summary>Polls until <paramref name="predicate"/> holds for the text read so far.</summary>
    /// <exception cref="TimeoutException">It did not hold within <paramref name="timeout"/>; the message shows the text.</exception>
    public async Task<string> WaitForAsync(Func<string, bool> predicate, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var text = Text;
            if (predicate(text))
            {
                return text;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} did not show what was expected within {timeout.TotalSeconds:0.#} s; it is:\n{Tail(text)}");
            }

            if (Completed)
            {
                // One last look: the writer may have closed right after writing the awaited text.
                text = Text;
                if (predicate(text))
                {
                    return text;
                }

                throw new TimeoutException($"{what} was closed by every writer without showing what was expected; it is:\n{Tail(text)}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }

    /// <summary>Waits (bounded) for the pump to finish after the writers are gone.</summary>
    internal async Task StopAsync(TimeSpan timeout)
    {
        await Task.WhenAny(_pump, Task.Delay(timeout));
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : "…" + text[^4000..];

    private async Task PumpAsync(Stream stream)
    {
        var buffer = new byte[8192];
        var decoder = Encoding.UTF8.GetDecoder();
        var chars = new char[Encoding.UTF8.GetMaxCharCount(buffer.Length)];
        await using (stream)
        {
            while (true)
            {
                int read;
                try
                {
                    read = await stream.ReadAsync(buffer, CancellationToken.None);
                }
                catch (IOException)
                {
                    // A pty master reports EIO once the last slave fd is closed: that is its end of file.
                    break;
                }

                if (read == 0)
                {
                    break;
                }

                var count = decoder.GetChars(buffer, 0, read, chars, 0);
                lock (_lock)
                {
                    _text.Append(chars, 0, count);
                }
            }
        }
    }
}
