using k8s;
using k8s.KubeConfigModels;

namespace Cryo.Kubectl;

/// <summary>
/// Several kubeconfig files as one, by kubectl's rules: a cluster, user or context takes its value from the first file
/// that names it, and the current context from the first file that sets one. Relative certificate and key paths are
/// made absolute against their own file first, since the merged configuration has one file name for all.
/// (KubernetesClient.Aot reads one file and does not look at KUBECONFIG.)
/// </summary>
public static class KubeconfigMerge
{
    /// <summary>Reads and merges the files, in order.</summary>
    public static K8SConfiguration Load(IReadOnlyList<FileInfo> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var merged = new K8SConfiguration { Clusters = [], Users = [], Contexts = [] };
        foreach (var file in files)
        {
            var config = KubernetesClientConfiguration.LoadKubeConfig(file);
            var directory = file.DirectoryName ?? ".";
            merged.FileName ??= file.FullName;
            merged.CurrentContext = string.IsNullOrEmpty(merged.CurrentContext) ? config.CurrentContext : merged.CurrentContext;
            merged.Clusters = Add(merged.Clusters, config.Clusters, c => c.Name, c =>
            {
                if (c.ClusterEndpoint is { } endpoint)
                {
                    endpoint.CertificateAuthority = Absolute(directory, endpoint.CertificateAuthority);
                }
            });
            merged.Users = Add(merged.Users, config.Users, u => u.Name, u =>
            {
                if (u.UserCredentials is { } credentials)
                {
                    credentials.ClientCertificate = Absolute(directory, credentials.ClientCertificate);
                    credentials.ClientKey = Absolute(directory, credentials.ClientKey);
                }
            });
            merged.Contexts = Add(merged.Contexts, config.Contexts, c => c.Name, _ => { });
        }

        return merged;
    }

    private static List<T> Add<T>(IEnumerable<T>? into, IEnumerable<T>? from, Func<T, string> name, Action<T> resolve)
    {
        var list = into?.ToList() ?? [];
        foreach (var item in from ?? [])
        {
            if (!list.Any(existing => name(existing) == name(item)))
            {
                resolve(item);
                list.Add(item);
            }
        }

        return list;
    }

    private static string? Absolute(string directory, string? path) =>
        string.IsNullOrEmpty(path) || Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(directory, path));
}
