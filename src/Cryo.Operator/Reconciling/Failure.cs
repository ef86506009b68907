namespace Cryo.Operator.Reconciling;

/// <summary>Why an object cannot proceed: a condition reason (from ConditionReasons) and a precise message.</summary>
/// <param name="Reason">PascalCase reason.</param>
/// <param name="Message">What is wrong, naming the objects involved.</param>
/// <param name="Terminal">True when waiting cannot help (the object ends Failed); false when it may resolve itself.</param>
public sealed record Failure(string Reason, string Message, bool Terminal = true);
