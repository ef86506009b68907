using Microsoft.Extensions.Logging;

namespace Cryo.Bench.Agent;

/// <summary>
/// Writes an engine's <see cref="LogLevel.Debug"/> lines as bench notes when <c>CRYO_BENCH_LOG=debug</c>, and
/// nothing otherwise: the engines' step timings (a checkpoint's commit, by step) without the noise of every run.
/// </summary>
internal sealed class NoteLogger<T> : ILogger<T>
{
    /// <summary>Whether the bench was asked for the engines' debug lines.</summary>
    public static bool Enabled { get; } = string.Equals(Environment.GetEnvironmentVariable("CRYO_BENCH_LOG"), "debug", StringComparison.OrdinalIgnoreCase);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => Enabled && logLevel == LogLevel.Debug;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            Emit.Note($"{typeof(T).Name} {logLevel}: {formatter(state, exception)}");
        }
    }
}
