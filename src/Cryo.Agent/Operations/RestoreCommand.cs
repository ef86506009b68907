namespace Cryo.Agent.Operations;

/// <summary>What the restore engine is asked to do, already validated by the service layer.</summary>
/// <param name="OperationId">Idempotency key (the Restore object's UID).</param>
/// <param name="Namespace">The checkpoint's namespace.</param>
/// <param name="Name">The checkpoint's name.</param>
/// <param name="TargetContainer">
/// The container to restore into (its namespaces, root, cgroup, stdio), or <see langword="null"/> for a
/// standalone restore in a new PID namespace.
/// </param>
/// <param name="Timeout">How long the whole operation may take (the token is also cancelled then).</param>
/// <param name="Lazy">
/// Restore memory on demand (<c>criu restore --lazy-pages</c> with a <c>criu lazy-pages</c> daemon): the tree runs
/// before its memory arrived. Falls back to an eager restore, with the reason in the outcome, where it cannot.
/// </param>
public sealed record RestoreCommand(
    string OperationId,
    string Namespace,
    string Name,
    ProcessTreeRef? TargetContainer,
    TimeSpan Timeout,
    bool Lazy = false);
