using Cryo.Api;
using k8s.Models;

namespace Cryo.Operator.Reconciling;

/// <summary>
/// Sets conditions the way metav1.Condition expects (as apimachinery's meta.SetStatusCondition does): in place, and
/// lastTransitionTime moves only when the status flips. A pass that sets what the last one did changes nothing.
/// </summary>
public static class Conditions
{
    /// <summary>
    /// Sets (or adds) the condition <paramref name="type"/> of <paramref name="status"/>, observed at the generation
    /// the status describes. <paramref name="value"/> is one of <see cref="ConditionStatus"/>.
    /// </summary>
    public static void SetCondition(this IConditionedStatus status, string type, string value, string reason, string message, DateTime now)
    {
        var list = status.Conditions ??= [];
        var existing = list.FirstOrDefault(c => c.Type == type);
        if (existing is null)
        {
            list.Add(existing = new V1Condition { Type = type, LastTransitionTime = now });
        }
        else if (existing.Status != value)
        {
            existing.LastTransitionTime = now;
        }

        existing.Status = value;
        existing.Reason = reason;
        existing.Message = message;
        existing.ObservedGeneration = status.ObservedGeneration;
    }

    /// <summary>The condition <paramref name="type"/>, or null.</summary>
    public static V1Condition? Find(IList<V1Condition>? conditions, string type) => conditions?.FirstOrDefault(c => c.Type == type);
}
