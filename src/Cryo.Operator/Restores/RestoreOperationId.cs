using ApiRestore = Cryo.Api.Restore;

namespace Cryo.Operator.Restores;

/// <summary>
/// The agent operation ID of a restore into one run of the target container: the Restore's UID for the
/// container's first run, <c>&lt;UID&gt;-&lt;restartCount&gt;</c> once the kubelet has restarted it. It is
/// deterministic, so passes repeated for the same run join (or are answered by) one agent operation and never
/// restore twice; and it differs per run, because the agent refuses one ID for a different container.
/// </summary>
public static class RestoreOperationId
{
    /// <summary>The ID for the run of the target container whose restartCount is <paramref name="restartCount"/>.</summary>
    public static string For(ApiRestore restore, int restartCount) =>
        restartCount == 0 ? restore.Metadata.Uid : $"{restore.Metadata.Uid}-{restartCount}";
}
