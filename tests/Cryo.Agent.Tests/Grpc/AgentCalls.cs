using Cryo.Contracts.Agent.V1;
using Grpc.Core;

namespace Cryo.Agent.Tests.Grpc;

/// <summary>Shorthands for calls the tests make often.</summary>
public static class AgentCalls
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public static CheckpointRequest Request(string name, string operationId, int pid = 4242) => new()
    {
        OperationId = operationId,
        Namespace = "default",
        Name = name,
        Pid = pid,
        Pod = new PodMetadata { PodName = "web-0", PodUid = "pod-uid", ContainerName = "web", Image = "nginx:1" },
    };

    /// <summary>Runs a checkpoint to its end; returns every event (the last is the result).</summary>
    public static async Task<List<CheckpointEvent>> CheckpointAsync(this AgentService.AgentServiceClient client, CheckpointRequest request)
    {
        using var call = client.Checkpoint(request, deadline: DateTime.UtcNow + Deadline);
        var events = new List<CheckpointEvent>();
        await foreach (var item in call.ResponseStream.ReadAllAsync())
        {
            events.Add(item);
        }

        return events;
    }
}
