namespace Cryo.Cli;

/// <summary>One failure, as scripts read it.</summary>
/// <param name="Code">
/// What kind of failure: <c>usage</c>, <c>unreachable</c>, <c>interrupted</c>, <c>error</c>, or the gRPC status in
/// snake case (<c>not_found</c>, <c>invalid_argument</c>, …).
/// </param>
/// <param name="Reason">The agent's machine-readable reason (<c>CHECKPOINT_NOT_FOUND</c>, …), or <see langword="null"/>.</param>
/// <param name="Message">What went wrong and what to do, as printed on standard error.</param>
public sealed record ErrorBody(string Code, string? Reason, string Message);
