namespace Cryo.Agent.Store;

/// <summary>Runs a stretch of work on the current thread at a lower CPU priority, then restores it.</summary>
internal static class ThreadNice
{
    /// <summary>
    /// Makes the current thread <paramref name="nicer"/> nicer (capped at 19) until the result is disposed;
    /// nothing when <paramref name="nicer"/> is 0 or the kernel refuses.
    /// </summary>
    public static Scope Nicer(int nicer)
    {
        if (nicer == 0)
        {
            return default;
        }

        var original = NativeMethods.CurrentThreadNice();
        return NativeMethods.TrySetCurrentThreadNice(Math.Min(19, original + nicer)) ? new Scope(original, true) : default;
    }

    /// <summary>Restores the thread's nice value on dispose (pool threads must not stay demoted).</summary>
    internal readonly struct Scope(int original, bool changed) : IDisposable
    {
        public void Dispose()
        {
            if (changed)
            {
                NativeMethods.TrySetCurrentThreadNice(original);
            }
        }
    }
}
