using System.Text.Json.Serialization;

namespace Cryo.Api;

/// <summary>
/// How long the steps of a restore took on the node. Target, prepare, restore and handoff follow each other and
/// make the total; files and verify run beside CRIU's restore, which waits for them only as long as filesWait and
/// verifyWait say.
/// </summary>
public sealed class RestoreTimings
{
    /// <summary>Time spent verifying the checkpoint's manifest and file checksums.</summary>
    [JsonPropertyName("verifyMilliseconds")]
    public long? VerifyMilliseconds { get; set; }

    /// <summary>Time CRIU spent restoring.</summary>
    [JsonPropertyName("restoreMilliseconds")]
    public long? RestoreMilliseconds { get; set; }

    /// <summary>Time of the whole agent operation, preflight included.</summary>
    [JsonPropertyName("totalMilliseconds")]
    public long? TotalMilliseconds { get; set; }

    /// <summary>Time finding the checkpoint and resolving the target container and its placeholder.</summary>
    [JsonPropertyName("targetMilliseconds")]
    public long? TargetMilliseconds { get; set; }

    /// <summary>Time applying the checkpoint's writable layer and /dev/shm to the target container (beside CRIU).</summary>
    [JsonPropertyName("filesMilliseconds")]
    public long? FilesMilliseconds { get; set; }

    /// <summary>Time CRIU waited, before opening the tree's files, for the files it opens by name.</summary>
    [JsonPropertyName("filesWaitMilliseconds")]
    public long? FilesWaitMilliseconds { get; set; }

    /// <summary>Time preparing CRIU's run (directory, cgroups, plan) after the target was found.</summary>
    [JsonPropertyName("prepareMilliseconds")]
    public long? PrepareMilliseconds { get; set; }

    /// <summary>Time the restored tree was held after CRIU recreated it, until its images were verified and its files applied.</summary>
    [JsonPropertyName("verifyWaitMilliseconds")]
    public long? VerifyWaitMilliseconds { get; set; }

    /// <summary>Time after CRIU: finding the restored root, thawing it, handing it to the placeholder.</summary>
    [JsonPropertyName("handoffMilliseconds")]
    public long? HandoffMilliseconds { get; set; }
}
