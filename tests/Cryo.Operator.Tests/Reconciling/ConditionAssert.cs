namespace Cryo.Operator.Tests.Reconciling;

/// <summary>Asserts on a condition: as a single pass wrote it, at <see cref="SinglePassHarness.Now"/>, or as the running operator left it.</summary>
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

    /// <summary>
    /// <paramref name="conditions"/> hold a condition <paramref name="type"/> with this status and reason, whenever it moved:
    /// for the tests that run the operator against the clock rather than one pass at a time.
    /// </summary>
    public static void Is(IList<V1Condition>? conditions, string type, string status, string reason)
    {
        var condition = Assert.Single(conditions ?? [], c => c.Type == type);
        Assert.Equal((status, reason), (condition.Status, condition.Reason));
    }
}
