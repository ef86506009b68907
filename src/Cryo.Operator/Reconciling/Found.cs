namespace Cryo.Operator.Reconciling;

/// <summary>
/// What a reconcile step looked for: the thing itself (<see cref="Value"/>), or the <see cref="Failure"/> that
/// says why the object cannot proceed. A step returns either one as it is (both convert implicitly); its caller
/// returns early on the failure and goes on with the value, which is never null once the failure is.
/// </summary>
/// <typeparam name="T">What the step finds: a running container, a pod, a Checkpoint.</typeparam>
public readonly record struct Found<T>
    where T : class
{
    private readonly T? value;

    private Found(T? value, Failure? failure)
    {
        this.value = value;
        Failure = failure;
    }

    /// <summary>Why the step found nothing usable; null when it did.</summary>
    public Failure? Failure { get; }

    /// <summary>What the step found. Reading it after a failure is a bug in the caller.</summary>
    public T Value => value ?? throw new InvalidOperationException($"the step failed ({Failure?.Reason}: {Failure?.Message}); there is no {typeof(T).Name}");

    /// <summary>The step found <paramref name="value"/>.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1065", Justification = "A null here is a bug in the step that returned it: failing at the conversion names that step, not a later reader of Value.")]
    public static implicit operator Found<T>(T value) => new(value ?? throw new ArgumentNullException(nameof(value)), null);

    /// <summary>The step failed with <paramref name="failure"/>.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1065", Justification = "As above: a null failure is a bug in the step.")]
    public static implicit operator Found<T>(Failure failure) => new(null, failure ?? throw new ArgumentNullException(nameof(failure)));
}
