using System.Text.Json.Serialization;
using k8s.Models;

namespace Cryo.Api;

/// <summary>The two fields every Cryo status carries: the generation it describes and its conditions.</summary>
public abstract class ConditionedStatus : IConditionedStatus
{
    /// <summary>The generation this status describes.</summary>
    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }

    /// <summary>Observations of the state; types in <see cref="ConditionTypes"/>.</summary>
    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }
}
