using System.Text;

namespace Cryo.Criu.Running;

/// <summary>Drains a child's output stream, keeping only its last characters (CRIU's output is unbounded at -v4).</summary>
internal sealed class OutputTail
{
    private readonly StringBuilder _text = new();
    private readonly int _capacity;
    private readonly Lock _gate = new();

    public OutputTail(StreamReader reader, int capacity)
    {
        _capacity = capacity;
        Completion = DrainAsync(reader);
    }

    /// <summary>Finishes at end of stream: when every process holding the pipe's write end has closed it.</summary>
    public Task Completion { get; }

    public override string ToString()
    {
        lock (_gate)
        {
            return _text.ToString();
        }
    }

    private async Task DrainAsync(StreamReader reader)
    {
        var buffer = new char[4096];
        int read;
        // No token: the stream ends when the process tree dies, which the runner guarantees.
        while ((read = await reader.ReadAsync(buffer.AsMemory(), CancellationToken.None)) > 0)
        {
            lock (_gate)
            {
                _text.Append(buffer, 0, read);
                if (_text.Length > _capacity)
                {
                    _text.Remove(0, _text.Length - _capacity);
                }
            }
        }
    }
}
