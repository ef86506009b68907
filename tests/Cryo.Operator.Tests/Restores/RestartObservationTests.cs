namespace Cryo.Operator.Tests.Restores;

public class RestartObservationTests
{
    private static readonly RestoreStatus RestoredRunZero = new() { ContainerRestartCount = 0, ContainerId = "containerd://run0" };

    [Fact]
    public void Of_Should_SeeARestart_When_TheCountGrew_And_TheNewRunIsRunning()
    {
        // Arrange
        var pod = Pod("Always", "Running", Container("app", 1, "containerd://run1", running: true, last: Ended(137, "OOMKilled")));

        // Act
        var observed = RestartObservation.Of(pod, "app", RestoredRunZero);

        // Assert
        Assert.Equal(RestoredContainerState.Restarted, observed.State);
        Assert.Equal("containerd://run1", observed.Container!.ContainerID);
        Assert.Contains("restart 1", observed.Message);
        Assert.Contains("exited with code 137 (OOMKilled)", observed.Message);
    }

    [Fact]
    public void Of_Should_WaitForTheNextRun_When_TheContainerEnded_And_WillBeRestarted()
    {
        // Arrange: OnFailure after a failure; the kubelet has not started the next run yet.
        var pod = Pod("OnFailure", "Running", Container("app", 0, "containerd://run0", running: false, state: Ended(1, "Error")));

        // Act
        var observed = RestartObservation.Of(pod, "app", RestoredRunZero);

        // Assert
        Assert.Equal(RestoredContainerState.Unchanged, observed.State);
    }

    [Theory]
    [InlineData("Never", 1)]
    [InlineData("Never", 0)]
    [InlineData("OnFailure", 0)]
    public void Of_Should_SeeTheEnd_When_RestartPolicyKeepsTheContainerDown_EvenWhileOtherContainersRun(string policy, int exitCode)
    {
        // Arrange: a sidecar keeps the pod Running.
        var pod = Pod(policy, "Running",
            Container("app", 0, "containerd://run0", running: false, state: Ended(exitCode, "Done")),
            Container("sidecar", 0, "containerd://side", running: true));

        // Act
        var observed = RestartObservation.Of(pod, "app", RestoredRunZero);

        // Assert
        Assert.Equal(RestoredContainerState.Ended, observed.State);
        Assert.Contains($"restartPolicy {policy} does not restart it", observed.Message);
    }

    [Fact]
    public void Of_Should_SeeTheEnd_When_ThePodEnded()
    {
        // Arrange
        var pod = Pod("Always", "Failed", Container("app", 0, "containerd://run0", running: false, state: Ended(0, "Evicted")));

        // Act
        var observed = RestartObservation.Of(pod, "app", RestoredRunZero);

        // Assert
        Assert.Equal(RestoredContainerState.Ended, observed.State);
        Assert.Contains("ended (Failed)", observed.Message);
    }

    [Fact]
    public void Of_Should_CompareContainerIds_When_StatusPredatesRestartCounts()
    {
        // Arrange: a status written before containerRestartCount existed.
        var legacy = new RestoreStatus { Phase = Phase.Succeeded, ContainerId = "containerd://run0" };
        var same = Pod("Always", "Running", Container("app", 4, "containerd://run0", running: true));
        var other = Pod("Always", "Running", Container("app", 5, "containerd://run5", running: true));

        // Act
        var unchanged = RestartObservation.Of(same, "app", legacy);
        var restarted = RestartObservation.Of(other, "app", legacy);

        // Assert
        Assert.Equal(RestoredContainerState.Unchanged, unchanged.State);
        Assert.Equal(RestoredContainerState.Restarted, restarted.State);
    }

    [Fact]
    public void Describe_Should_NameTheSignal_When_TheRunWasKilled()
    {
        // Act
        var text = RestartObservation.Describe(new V1ContainerStateTerminated { ExitCode = 143, Signal = 15, Reason = "Error" });

        // Assert
        Assert.Equal("was killed by signal 15 (Error)", text);
    }

    private static V1ContainerStateTerminated Ended(int exitCode, string reason) => new() { ExitCode = exitCode, Reason = reason };

    private static V1ContainerStatus Container(string name, int restarts, string id, bool running, V1ContainerStateTerminated? state = null, V1ContainerStateTerminated? last = null) => new()
    {
        Name = name,
        Image = "img",
        ImageID = "img",
        RestartCount = restarts,
        ContainerID = id,
        State = running ? new V1ContainerState { Running = new V1ContainerStateRunning() } : new V1ContainerState { Terminated = state },
        LastState = last is null ? null : new V1ContainerState { Terminated = last },
    };

    private static V1Pod Pod(string restartPolicy, string phase, params V1ContainerStatus[] containers) => new()
    {
        Metadata = new V1ObjectMeta { Name = "copy", NamespaceProperty = "apps" },
        Spec = new V1PodSpec { RestartPolicy = restartPolicy, Containers = containers.Select(c => new V1Container { Name = c.Name }).ToList() },
        Status = new V1PodStatus { Phase = phase, ContainerStatuses = containers.ToList() },
    };
}
