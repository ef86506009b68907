namespace Cryo.Operator.Tests.Reconciling;

/// <summary>Asserts on a condition a single pass wrote, at <see cref="SinglePassHarness.Now"/>.</summary>
public static class ConditionAssert
{
    /// <summary>
    /// <paramref name="conditions"/> hold one condition <paramref name="type"/>, with this status and reason, which moved at
    /// <see cref="SinglePassHarness.Now"/> and observed <paramref name="generation"/>.
    /// </summary>
    public static void Has(IList<V1Condition>? conditions, string type, string status, string reason, long? generation = 1)
    {
        var condition = Assert.Single(conditions ?? [], c => c.Type == type);
        Assert.Equal((status, reason, SinglePassHarness.Now, generation), (condition.Status, condition.Reason, condition.LastTransitionTime, condition.ObservedGeneration));
    }
}
