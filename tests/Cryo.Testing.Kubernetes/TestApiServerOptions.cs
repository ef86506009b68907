namespace Cryo.Testing.Kubernetes;

/// <summary>Knobs of the test API server.</summary>
public sealed class TestApiServerOptions
{
    /// <summary>Committed changes kept for watches to resume from; older resourceVersions get 410 Gone.</summary>
    public int HistoryLimit { get; init; } = 10_000;

    /// <summary>How often a watch that allows bookmarks gets one.</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a watch without timeoutSeconds stays open.</summary>
    public TimeSpan DefaultWatchTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>The clock of the server's timestamps (creationTimestamp, deletionTimestamp), so tests can move time by hand.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
