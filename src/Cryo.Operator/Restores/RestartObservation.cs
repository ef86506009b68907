using Cryo.Api;
using k8s.Models;

namespace Cryo.Operator.Restores;

/// <summary>
/// The target container of a restored newPod Restore compared with what status recorded at the latest restore.
/// A restored application that ends takes the placeholder (the container's init) with it; the kubelet then
/// restarts the container per the pod's restartPolicy, and the new run is the bare placeholder again, waiting
/// for a restore: its restartCount is higher than the one recorded.
/// </summary>
/// <param name="State">What to do about it.</param>
/// <param name="Container">The container's status (null when the pod reports none).</param>
/// <param name="Message">What happened, in words, naming the pod and container.</param>
public sealed record RestartObservation(RestoredContainerState State, V1ContainerStatus? Container, string Message)
{
    /// <summary>Observes container <paramref name="containerName"/> of <paramref name="pod"/> against <paramref name="status"/>.</summary>
    public static RestartObservation Of(V1Pod pod, string containerName, RestoreStatus status)
    {
        var podRef = $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}";
        var container = pod.Status?.ContainerStatuses?.FirstOrDefault(c => c.Name == containerName);
        if (pod.Status?.Phase is "Succeeded" or "Failed")
        {
            var exit = container?.State?.Terminated is { } ended ? $"; container {containerName} {Describe(ended)}" : "";
            return new(RestoredContainerState.Ended, container, $"pod {podRef} ended ({pod.Status.Phase}){exit}");
        }

        if (container is null)
        {
            return new(RestoredContainerState.Unchanged, null, $"pod {podRef} reports no status for container {containerName}");
        }

        var policy = pod.Spec.RestartPolicy ?? "Always";
        if (container.State?.Terminated is { } terminated && !WillRestart(policy, terminated.ExitCode))
        {
            return new(RestoredContainerState.Ended, container,
                $"container {containerName} of pod {podRef} {Describe(terminated)}; restartPolicy {policy} does not restart it");
        }

        // Statuses written before restoreCount existed recorded only the container's ID.
        var restarted = status.ContainerRestartCount is { } recorded
            ? container.RestartCount > recorded
            : container.ContainerID != status.ContainerId;
        if (restarted && container.State?.Running is not null && !string.IsNullOrEmpty(container.ContainerID))
        {
            var previous = container.LastState?.Terminated is { } last ? Describe(last) : "ended";
            return new(RestoredContainerState.Restarted, container,
                $"container {containerName} of pod {podRef} restarted (restart {container.RestartCount}) after the application {previous}");
        }

        return new(RestoredContainerState.Unchanged, container, $"container {containerName} of pod {podRef} needs nothing");
    }

    /// <summary>"exited with code 3 (Error)", "was killed by signal 9 (OOMKilled)": how a container run ended.</summary>
    public static string Describe(V1ContainerStateTerminated terminated)
    {
        var how = terminated.Signal is > 0 ? $"was killed by signal {terminated.Signal}" : $"exited with code {terminated.ExitCode}";
        return string.IsNullOrEmpty(terminated.Reason) ? how : $"{how} ({terminated.Reason})";
    }

    private static bool WillRestart(string policy, int exitCode) => policy switch
    {
        "Never" => false,
        "OnFailure" => exitCode != 0,
        _ => true,
    };
}
