using Cryo.Agent.Operations;

namespace Cryo.Bench.Agent;

/// <summary>Checkpoint and restore commands as the agent's service builds them (the same shape the tests use).</summary>
public static class Commands
{
    private static int sequence;

    public static string NewOperationId() => $"op-{Environment.ProcessId}-{Interlocked.Increment(ref sequence)}-{Guid.NewGuid():N}"[..40];

    /// <summary>Checkpoint a PID's tree, leaving it running.</summary>
    public static CheckpointCommand CheckpointOf(int pid, string name, TimeSpan timeout) =>
        new(NewOperationId(), "default", name, ProcessTreeRef.ForPid(pid), WorkloadMetadata.None, true, false, false, null, timeout);

    /// <summary>Restore into a new PID namespace (standalone).</summary>
    public static RestoreCommand RestoreOf(string name, TimeSpan timeout) =>
        new(NewOperationId(), "default", name, null, timeout);
}
