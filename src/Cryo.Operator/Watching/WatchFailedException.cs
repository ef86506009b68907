namespace Cryo.Operator.Watching;

/// <summary>A watch that ended with an error other than 410 Gone.</summary>
public sealed class WatchFailedException(string kind, string? resourceVersion, Exception inner)
    : Exception($"watch of {kind} from resourceVersion {resourceVersion ?? "(none)"} failed: {inner.Message}", inner);
