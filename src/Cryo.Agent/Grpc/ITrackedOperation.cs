namespace Cryo.Agent.Grpc;

/// <summary>What the registry needs to know of an operation whatever its result type.</summary>
public interface ITrackedOperation
{
    /// <summary>True once it has ended, either way.</summary>
    bool IsFinished { get; }

    /// <summary>When it finished successfully, or <see langword="null"/>.</summary>
    DateTimeOffset? SucceededAt { get; }
}
