namespace Cryo.Testing.Kubernetes.Cluster;

/// <summary>
/// The operator's settings for a test cluster: it finds agents as <see cref="FakeKubelet"/> runs them, and requeues,
/// backs off and resyncs in fractions of a second instead of a production cluster's minutes. A harness adds what is
/// its own (TLS, leader election, recheck intervals) to the dictionary this returns.
/// </summary>
public static class QuickOperatorSettings
{
    public static Dictionary<string, string?> Create() => new()
    {
        ["Operator:AgentNamespace"] = FakeKubelet.AgentNamespace,
        ["Operator:AgentLabelSelector"] = FakeKubelet.AgentSelector,
        ["Operator:Workers"] = "4",
        ["Operator:ResyncPeriod"] = "00:00:03",
        ["Operator:BackoffBase"] = "00:00:00.100",
        ["Operator:BackoffMax"] = "00:00:01",
    };
}
