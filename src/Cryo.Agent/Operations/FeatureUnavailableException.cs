namespace Cryo.Agent.Operations;

/// <summary>A CRIU or kernel feature the operation needs is missing on this node (FAILED_PRECONDITION).</summary>
public sealed class FeatureUnavailableException : AgentException
{
    /// <summary>Creates the exception for one feature.</summary>
    /// <param name="feature">The feature's name, e.g. <c>mem_dirty_track</c>.</param>
    /// <param name="reason">Why it is unavailable.</param>
    public FeatureUnavailableException(string feature, string reason)
        : base($"feature {feature} is not available on this node: {reason}")
    {
        Feature = feature;
        Reason = reason;
    }

    /// <summary>The feature's name.</summary>
    public string Feature { get; }

    /// <summary>Why it is unavailable.</summary>
    public string Reason { get; }
}
