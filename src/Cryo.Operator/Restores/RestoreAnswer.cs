using Cryo.Contracts.Agent.V1;
using Cryo.Operator.Agents;
using Cryo.Operator.Reconciling;

namespace Cryo.Operator.Restores;

/// <summary>
/// What came of a restore sent to the agent (<see cref="RestoreDispatcher"/>). The first restore and a restore into a
/// restarted container record each kind differently: they differ in what may be retried.
/// </summary>
public abstract record RestoreAnswer
{
    private RestoreAnswer()
    {
    }

    /// <summary>The agent restored the tree into the container.</summary>
    /// <param name="Response">The restored tree's PIDs, node and timings.</param>
    public sealed record Restored(RestoreResponse Response) : RestoreAnswer;

    /// <summary>No agent could be reached; the same request may succeed later.</summary>
    /// <param name="Reason"><see cref="Api.ConditionReasons.AgentNotFound"/> or <see cref="Api.ConditionReasons.AgentUnavailable"/>.</param>
    /// <param name="Message">What was tried, naming the node.</param>
    public sealed record Unreachable(string Reason, string Message) : RestoreAnswer;

    /// <summary>The run of the container the restore went into ended under it; its next run gets a restore of its own.</summary>
    /// <param name="Failure">ContainerRestarted, not terminal.</param>
    public sealed record RunOver(Failure Failure) : RestoreAnswer;

    /// <summary>The agent failed the restore: the same request fails again, unless <see cref="AgentOperationFailedException.MaySucceedLater"/>.</summary>
    /// <param name="Error">The agent's answer.</param>
    public sealed record Refused(AgentOperationFailedException Error) : RestoreAnswer;
}
