namespace Cryo.Api;

/// <summary>The values of a condition's <c>status</c> (metav1.ConditionStatus), also of pod conditions such as <see cref="CryoNames.RestoredCondition"/>.</summary>
public static class ConditionStatus
{
    /// <summary>The condition holds.</summary>
    public const string True = "True";

    /// <summary>The condition does not hold.</summary>
    public const string False = "False";

    /// <summary>Not known yet (in progress).</summary>
    public const string Unknown = "Unknown";
}
