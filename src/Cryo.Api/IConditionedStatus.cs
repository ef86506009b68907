using k8s.Models;

namespace Cryo.Api;

/// <summary>What the statuses of Checkpoints and Restores share: conditions, and the generation they describe.</summary>
public interface IConditionedStatus
{
    /// <summary>The generation this status describes.</summary>
    long? ObservedGeneration { get; set; }

    /// <summary>Observations of the state; types in <see cref="ConditionTypes"/>.</summary>
    IList<V1Condition>? Conditions { get; set; }
}
