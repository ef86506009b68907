using System.Runtime.ExceptionServices;

namespace Cryo.Agent.Attempts;

/// <summary>
/// What one attempt of an operation has done to the node that a failure must undo, registered step by step
/// as each becomes needed (remove the uncommitted checkpoint, thaw the tree, release CRIU's network lock,
/// end what CRIU restored, remove a directory or cgroups) and undone in reverse when the attempt fails, as
/// runc and CRI-O <c>defer</c> their cleanups. <see cref="Complete"/> drops them: the attempt succeeded and
/// what it did stays. Cleanups that belong to the attempt either way are <see cref="Defer">deferred</see>.
/// </summary>
/// <remarks>
/// Undo steps are handed no token: the operation's may be what ended it, so each step bounds itself
/// (<see cref="CancellationToken.None"/>, or its own short deadline). A step that fails is logged and the rest
/// still run; it is never thrown over the failure being reported. A step may name another failure to report
/// in place of the one it is given: work beside CRIU that failed by itself is the cause CRIU only echoed
/// (<see cref="Beside{T}"/>), and a lock that could not be released must be said.
/// </remarks>
/// <example>
/// <code>
/// return await OperationScope.RunAsync("restore default/web", logger, async scope =>
/// {
///     var directory = OperationDirectory.Create(scope, settings, "restores", operationId, keep: true);
///     scope.OnFailure("end what CRIU restored", _ => KillRestoredAsync());
///     return await criu.RestoreAsync(…);
/// });
/// </code>
/// </example>
public sealed class OperationScope : IAsyncDisposable
{
    private readonly string operation;
    private readonly ILogger logger;
    private readonly List<Step> steps = [];
    private readonly List<IDisposable> owned = [];
    private bool completed;
    private bool ended;

    /// <summary>Creates the scope of one attempt.</summary>
    /// <param name="operation">What is attempted, for the log: <c>checkpoint default/web</c>.</param>
    /// <param name="logger">Where steps that fail are logged.</param>
    public OperationScope(string operation, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(operation);
        ArgumentNullException.ThrowIfNull(logger);
        this.operation = operation;
        this.logger = logger;
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> in a scope of its own: completes the scope when it returns; when it
    /// throws, undoes its steps in reverse and rethrows (or throws the failure a step reports in its place).
    /// </summary>
    public static async Task<T> RunAsync<T>(string operation, ILogger logger, Func<OperationScope, Task<T>> attempt)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        var scope = new OperationScope(operation, logger);
        await using (scope)
        {
            try
            {
                var result = await attempt(scope);
                scope.Complete();
                return result;
            }
            catch (Exception failure)
            {
                await scope.FailAsync(failure);
                throw;
            }
        }
    }

    /// <summary>Registers a step that undoes something if the attempt fails.</summary>
    /// <param name="description">What the step does, for the log: <c>thaw /sys/fs/cgroup/freezer/…</c>.</param>
    /// <param name="undo">The step, told why the attempt failed.</param>
    /// <returns>The step, to <see cref="Step.Drop"/> once the attempt itself has undone it.</returns>
    public Step OnFailure(string description, Action<Exception> undo)
    {
        ArgumentNullException.ThrowIfNull(undo);
        return Add(description, always: false, failure =>
        {
            undo(failure);
            return Task.FromResult(failure);
        });
    }

    /// <inheritdoc cref="OnFailure(string, Action{Exception})"/>
    public Step OnFailure(string description, Func<Exception, Task> undo)
    {
        ArgumentNullException.ThrowIfNull(undo);
        return Add(description, always: false, async failure =>
        {
            await undo(failure);
            return failure;
        });
    }

    /// <summary>
    /// Registers a step that undoes something if the attempt fails and says what the attempt reports: the
    /// failure it is given, or another (one that wraps it, saying what could not be undone).
    /// </summary>
    /// <inheritdoc cref="OnFailure(string, Action{Exception})"/>
    public Step OnFailure(string description, Func<Exception, Task<Exception>> undo)
    {
        ArgumentNullException.ThrowIfNull(undo);
        return Add(description, always: false, undo);
    }

    /// <summary>Registers a cleanup that runs when the attempt ends, whether it completed or failed.</summary>
    /// <param name="description">What the cleanup does, for the log.</param>
    /// <param name="cleanup">The cleanup.</param>
    public void Defer(string description, Action cleanup)
    {
        ArgumentNullException.ThrowIfNull(cleanup);
        Add(description, always: true, failure =>
        {
            cleanup();
            return Task.FromResult(failure);
        });
    }

    /// <summary>
    /// Starts work that runs beside the attempt (a capture beside CRIU, a verification beside CRIU). If the
    /// attempt fails, the work is stopped (its token cancelled) and awaited before the steps registered before
    /// it are undone; and if it had failed by itself, its failure is what the attempt reports: CRIU, failing
    /// at an action script the work held, only echoes it.
    /// </summary>
    /// <param name="description">The work, for the log: <c>the capture of the container's files</c>.</param>
    /// <param name="start">Starts the work with a token cancelled when the attempt fails or <paramref name="cancellationToken"/> is.</param>
    /// <param name="cancellationToken">The attempt's token.</param>
    /// <returns>The work, to await where its result is needed.</returns>
    public Task<T> Beside<T>(string description, Func<CancellationToken, Task<T>> start, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        owned.Add(stop);
        var work = start(stop.Token);
        Add($"stop {description}", always: false, async failure =>
        {
            await stop.CancelAsync();
            try
            {
                await work;
                return failure;
            }
            catch (OperationCanceledException)
            {
                return failure;
            }
#pragma warning disable CA1031 // Whatever the work failed with becomes the failure the attempt reports: nothing is swallowed.
            catch (Exception cause)
#pragma warning restore CA1031
            {
                return cause;
            }
        });
        return work;
    }

    /// <summary>The attempt succeeded: its undo steps are dropped (deferred cleanups still run at the end).</summary>
    public void Complete()
    {
        completed = true;
        steps.RemoveAll(step => !step.Always);
    }

    /// <summary>
    /// The attempt failed with <paramref name="failure"/>: undoes every step still registered, in reverse. Returns
    /// when the attempt reports <paramref name="failure"/> itself (the caller rethrows it); throws the failure a step
    /// reported in its place otherwise.
    /// </summary>
    public async Task FailAsync(Exception failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var reported = await UnwindAsync(failure);
        if (reported is not null && !ReferenceEquals(reported, failure))
        {
            ExceptionDispatchInfo.Throw(reported);
        }
    }

    /// <summary>
    /// Ends the scope: runs the deferred cleanups of a completed attempt, or undoes the steps of one that neither
    /// completed nor failed through <see cref="FailAsync"/> (an exception passed by).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await UnwindAsync(completed ? null : new InvalidOperationException($"{operation} ended without completing"));
        foreach (var disposable in owned)
        {
            disposable.Dispose();
        }

        owned.Clear();
    }

    private Step Add(string description, bool always, Func<Exception, Task<Exception>> undo)
    {
        ArgumentException.ThrowIfNullOrEmpty(description);
        if (ended)
        {
            throw new InvalidOperationException($"{operation}: '{description}' registered after the attempt ended");
        }

        var step = new Step(description, always, undo);
        steps.Add(step);
        return step;
    }

    /// <summary>Runs the registered steps in reverse; <paramref name="failure"/> is null for a completed attempt (only deferred cleanups are left).</summary>
    private async Task<Exception?> UnwindAsync(Exception? failure)
    {
        if (ended)
        {
            return failure;
        }

        ended = true;
        var reported = failure;
        for (var i = steps.Count - 1; i >= 0; i--)
        {
            var step = steps[i];
            if (step.Dropped)
            {
                continue;
            }

            try
            {
                var undone = await step.Undo(reported ?? new InvalidOperationException($"{operation} completed"));
                reported = reported is null ? null : undone;
            }
#pragma warning disable CA1031 // One undo step failing must not stop the steps before it from running; each failure is logged or reported.
            catch (Exception e)
#pragma warning restore CA1031
            {
                if (reported is null)
                {
                    logger.LogError(e, "{Operation} completed but could not {Step}", operation, step.Description);
                }
                else
                {
                    logger.LogError(e, "{Operation} failed ({Reason}) and could not {Step}", operation, reported.Message, step.Description);
                }
            }
        }

        steps.Clear();
        return reported;
    }

    /// <summary>One registered step.</summary>
    public sealed class Step
    {
        internal Step(string description, bool always, Func<Exception, Task<Exception>> undo)
        {
            Description = description;
            Always = always;
            Undo = undo;
        }

        /// <summary>What the step does.</summary>
        public string Description { get; }

        /// <summary>True once dropped: the attempt undid it itself (it thawed the tree it froze), or it no longer applies.</summary>
        public bool Dropped { get; private set; }

        internal bool Always { get; }

        internal Func<Exception, Task<Exception>> Undo { get; }

        /// <summary>Drops the step: it will not run.</summary>
        public void Drop() => Dropped = true;
    }
}
