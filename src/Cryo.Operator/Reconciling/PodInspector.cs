using Cryo.Api;
using k8s.Models;

namespace Cryo.Operator.Reconciling;

/// <summary>Picks a pod's container and checks that it runs, with the failure reasons both reconcilers use.</summary>
public static class PodInspector
{
    /// <summary>The running container <paramref name="containerName"/> (or the only one) of a Running pod, or why not.</summary>
    public static Found<RunningContainer> FindRunningContainer(V1Pod pod, string? containerName)
    {
        var podRef = $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}";
        if (pod.Status?.Phase != "Running")
        {
            return new Failure(ConditionReasons.PodNotRunning, $"pod {podRef} is {pod.Status?.Phase ?? "without status"}, not Running");
        }

        var containers = pod.Spec.Containers ?? [];
        if (containerName is null && containers.Count != 1)
        {
            return new Failure(ConditionReasons.ContainerNameRequired,
                $"pod {podRef} has {containers.Count} containers ({string.Join(", ", containers.Select(c => c.Name))}); name one");
        }

        var name = containerName ?? containers[0].Name;
        if (containers.All(c => c.Name != name))
        {
            return new Failure(ConditionReasons.ContainerNotFound,
                $"pod {podRef} has no container {name} (it has {string.Join(", ", containers.Select(c => c.Name))})");
        }

        var status = pod.Status.ContainerStatuses?.FirstOrDefault(s => s.Name == name);
        if (status?.State?.Running is null || string.IsNullOrEmpty(status.ContainerID))
        {
            return new Failure(ConditionReasons.ContainerNotRunning, $"container {name} of pod {podRef} is not running");
        }

        return new RunningContainer(pod, name, status.ContainerID);
    }
}
