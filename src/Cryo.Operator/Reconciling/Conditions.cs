using k8s.Models;

namespace Cryo.Operator.Reconciling;

/// <summary>Sets conditions the way metav1.Condition expects: lastTransitionTime moves only when the status flips.</summary>
public static class Conditions
{
    /// <summary>Sets (or adds) the condition <paramref name="type"/> in <paramref name="conditions"/>, returning the list.</summary>
    public static IList<V1Condition> Set(
        IList<V1Condition>? conditions, string type, string status, string reason, string message, long? generation, DateTime now)
    {
        var list = conditions ?? [];
        var existing = list.FirstOrDefault(c => c.Type == type);
        var transition = existing is null || existing.Status != status ? now : existing.LastTransitionTime;
        if (existing is not null)
        {
            list.Remove(existing);
        }

        list.Add(new V1Condition
        {
            Type = type,
            Status = status,
            Reason = reason,
            Message = message,
            ObservedGeneration = generation,
            LastTransitionTime = transition,
        });
        return list;
    }

    /// <summary>The condition <paramref name="type"/>, or null.</summary>
    public static V1Condition? Find(IList<V1Condition>? conditions, string type) => conditions?.FirstOrDefault(c => c.Type == type);
}
