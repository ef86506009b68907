using k8s;
using k8s.Exceptions;

namespace Cryo.Kubectl;

/// <summary>
/// The user's cluster as kubectl finds it: <c>--kubeconfig</c>, else every file in <c>KUBECONFIG</c> (merged, the
/// first to set a value wins, missing files skipped), else <c>~/.kube/config</c>; <c>--context</c> or the current
/// context; <c>--namespace</c> or the context's namespace or <c>default</c>. Credentials come with the context.
/// </summary>
public sealed class ClusterConnection : IDisposable
{
    private ClusterConnection(Kubernetes client, string ns)
    {
        Client = client;
        Namespace = ns;
        Objects = new CryoObjects(client);
    }

    /// <summary>The client, with the context's credentials.</summary>
    public Kubernetes Client { get; }

    /// <summary>Cryo's custom resources.</summary>
    public CryoObjects Objects { get; }

    /// <summary>The namespace verbs work in.</summary>
    public string Namespace { get; }

    /// <summary>Reads the kubeconfig and opens a client for the chosen context.</summary>
    /// <exception cref="KubeconfigMissingException">No kubeconfig file exists where kubectl would look.</exception>
    public static ClusterConnection Open(string? kubeconfig, string? context, string? ns, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var files = ConfigFiles(kubeconfig, environment);
        var existing = files.Where(File.Exists).Select(f => new FileInfo(f)).ToArray();
        if (existing.Length == 0)
        {
            throw new KubeconfigMissingException(kubeconfig is { Length: > 0 }
                ? $"kubeconfig {kubeconfig} does not exist"
                : $"no kubeconfig found (looked at {string.Join(", ", files)}): set KUBECONFIG or pass --kubeconfig");
        }

        try
        {
            var merged = KubeconfigMerge.Load(existing);
            var configuration = KubernetesClientConfiguration.BuildConfigFromConfigObject(merged, context);
            return new ClusterConnection(new Kubernetes(configuration), ns is { Length: > 0 } ? ns : configuration.Namespace ?? "default");
        }
        catch (KubeConfigException e)
        {
            throw new KubeconfigMissingException(context is { Length: > 0 } ? $"kubeconfig context {context}: {e.Message}" : e.Message);
        }
    }

    private static List<string> ConfigFiles(string? kubeconfig, Func<string, string?> environment)
    {
        if (kubeconfig is { Length: > 0 })
        {
            return [kubeconfig];
        }

        if (environment("KUBECONFIG") is { Length: > 0 } list)
        {
            return [.. list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)];
        }

        var home = environment("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return [Path.Combine(home, ".kube", "config")];
    }

    /// <inheritdoc />
    public void Dispose() => Client.Dispose();
}
