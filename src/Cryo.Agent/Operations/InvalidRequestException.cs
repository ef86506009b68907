namespace Cryo.Agent.Operations;

/// <summary>A request field is invalid (gRPC INVALID_ARGUMENT naming the field).</summary>
public sealed class InvalidRequestException : AgentException
{
    /// <summary>Creates the exception for one field.</summary>
    /// <param name="field">The field as a proto path, e.g. <c>options.leave_running</c> or <c>checkpoint.name</c>.</param>
    /// <param name="problem">What is wrong with it and what is allowed.</param>
    public InvalidRequestException(string field, string problem)
        : base($"{field}: {problem}")
    {
        Field = field;
        Problem = problem;
    }

    /// <summary>The field as a proto path.</summary>
    public string Field { get; }

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; }
}
