namespace Cryo.Api;

/// <summary>The values of <c>status.phase</c> of Checkpoints and Restores, for printer columns.</summary>
public static class Phase
{
    /// <summary>Accepted; not dispatched to an agent yet.</summary>
    public const string Pending = "Pending";

    /// <summary>Dispatched to an agent (or waiting for the target pod); not finished.</summary>
    public const string Running = "Running";

    /// <summary>Finished successfully.</summary>
    public const string Succeeded = "Succeeded";

    /// <summary>Finished unsuccessfully; the reason is in <c>status.message</c> and the Ready condition.</summary>
    public const string Failed = "Failed";
}
