using Cryo.Agent.Operations;

namespace Cryo.Agent.Recovery;

/// <summary>
/// A dump failed and the network lock CRIU had put on the tree's TCP connections could not be removed:
/// the workload runs but those connections stay blocked until someone removes it (the message says how).
/// The dump's own failure is the inner exception.
/// </summary>
public sealed class NetworkLockLeftException : AgentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The dump's failure and the release's, with the command that removes the lock.</param>
    /// <param name="result">What the release attempt found.</param>
    /// <param name="dumpFailure">Why the dump failed.</param>
    public NetworkLockLeftException(string message, NetworkLockReleaseResult result, Exception dumpFailure)
        : base(message, dumpFailure)
    {
        Result = result;
    }

    /// <summary>What the release attempt found.</summary>
    public NetworkLockReleaseResult Result { get; }
}
