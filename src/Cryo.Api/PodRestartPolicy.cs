namespace Cryo.Api;

/// <summary>The values of a pod's <c>spec.restartPolicy</c>.</summary>
public static class PodRestartPolicy
{
    /// <summary>The kubelet restarts the container whenever it ends.</summary>
    public const string Always = "Always";

    /// <summary>The kubelet restarts the container when it ends with a non-zero status.</summary>
    public const string OnFailure = "OnFailure";

    /// <summary>The kubelet never restarts the container.</summary>
    public const string Never = "Never";
}
