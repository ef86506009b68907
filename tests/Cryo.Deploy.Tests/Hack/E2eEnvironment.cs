namespace Cryo.Deploy.Tests.Hack;

/// <summary>The environment hack/e2e.sh runs in under test: nothing of the machine's cluster settings.</summary>
public static class E2eEnvironment
{
    /// <summary>
    /// No KUBECONFIG, a HOME without ~/.kube, not "in a pod", and none of the script's own variables, so only
    /// what a test sets reaches it.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> Isolated(string home) => new Dictionary<string, string?>
    {
        ["HOME"] = home,
        ["KUBECONFIG"] = null,
        ["KUBERNETES_SERVICE_HOST"] = null,
        ["KUBERNETES_SERVICE_PORT"] = null,
        ["CRYO_NAMESPACE"] = null,
        ["CRYO_E2E_TIMEOUT"] = null,
        ["CRYO_E2E_WORKLOAD_IMAGE"] = null,
    };
}
