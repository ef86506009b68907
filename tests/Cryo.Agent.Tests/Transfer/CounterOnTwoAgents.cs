using Cryo.Contracts.Agent.V1;
using Cryo.Testing.Agent.Harness;

namespace Cryo.Agent.Tests.Transfer;

/// <summary>
/// Two agents with stores of their own standing in for two nodes, and a counter the first agent's engine
/// checkpointed as "counter" and that then died as its node would: where the tests of a pull from node-a and a
/// restore on node-b start. The counter's root filesystem stays until disposal, as a node's image would.
/// </summary>
internal sealed class CounterOnTwoAgents : IAsyncDisposable
{
    public const string Name = "counter";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly RestoredCopies copies;
    private ContainerWorkload? workload;

    private CounterOnTwoAgents()
    {
        copies = new RestoredCopies(Target);
    }

    public TestEngines Source { get; } = new();

    public TestEngines Target { get; } = new();

    /// <summary>node-a's agent, which took the checkpoint.</summary>
    public InProcessAgent AgentA { get; private set; } = null!;

    /// <summary>node-b's agent, which pulls and restores it.</summary>
    public InProcessAgent AgentB { get; private set; } = null!;

    /// <summary>The last number the counter printed before the checkpoint.</summary>
    public int Before { get; private set; }

    /// <summary>The last number it printed before it was killed.</summary>
    public int AtKill { get; private set; }

    public static async Task<CounterOnTwoAgents> StartAsync(TestPki pki)
    {
        var scene = new CounterOnTwoAgents();
        try
        {
            scene.AgentA = await PeerAgents.StartAsync(scene.Source, pki, "node-a");
            scene.AgentB = await PeerAgents.StartAsync(scene.Target, pki, "node-b");
            var workload = scene.workload = await ContainerWorkload.StartAsync(new ContainerSpec { Script = Counter.Script }, CancellationToken.None);
            await workload.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);
            scene.Before = Counter.Last(workload.Stdout);
            await scene.Source.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, Name), new Progress<Operations.CheckpointStage>(), CancellationToken.None);
            await ProcessReaper.KillTreeAsync(workload.InitPid, CancellationToken.None);
            scene.AtKill = Counter.Last(workload.Stdout);
            return scene;
        }
        catch
        {
            await scene.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Restores the checkpoint through node-b's agent API as <paramref name="operationId"/>, in a new PID namespace:
    /// the agent's answer and the first three numbers the copy printed.
    /// </summary>
    public async Task<(RestoreResponse Restored, IReadOnlyList<int> Values)> RestoreOnNodeBAsync(AgentService.AgentServiceClient client, string operationId)
    {
        var restored = await client.RestoreAsync(
            new RestoreRequest { OperationId = operationId, Checkpoint = new CheckpointRef { Namespace = "default", Name = Name }, NewPidNamespace = new NewPidNamespaceTarget() },
            deadline: DateTime.UtcNow + Patience);
        copies.Track(restored.HostPid);
        var output = Target.OutputOf(new RestoreCommand(operationId, "default", Name, null, Patience));
        return (restored, await Counter.WaitForFileAsync(output, v => v.Count >= 3, Patience));
    }

    public async ValueTask DisposeAsync()
    {
        // The order the tests' own usings had: the counter's filesystem, the agents, the restored copies, the stores.
        if (workload is not null)
        {
            await workload.DisposeAsync();
        }
        if (AgentB is not null)
        {
            await AgentB.DisposeAsync();
        }
        if (AgentA is not null)
        {
            await AgentA.DisposeAsync();
        }
        await copies.DisposeAsync();
        Target.Dispose();
        Source.Dispose();
    }
}
