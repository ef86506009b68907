using Cryo.Agent.Operations;

namespace Cryo.Agent.Transfer;

/// <summary>The agent already serves as many checkpoint transfers as it may (RESOURCE_EXHAUSTED, TRANSFER_LIMIT).</summary>
public sealed class TransferLimitExceededException : AgentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="limit">The setting in force.</param>
    public TransferLimitExceededException(int limit)
        : base($"this agent already serves {limit} checkpoint transfer(s), its limit (Transfer:MaxParallelStreams); retry when one has finished")
    {
        Limit = limit;
    }

    /// <summary>The setting in force.</summary>
    public int Limit { get; }
}
