using System.Text;

namespace Cryo.Testing.Node;

/// <summary>
/// The kubelet's container environment: the container's variables in order (values expanded with <c>$(VAR)</c>
/// references to earlier ones and to service variables, <c>fieldRef</c>s resolved), then the service variables
/// of the cluster's <c>kubernetes</c> Service that the container did not set, and the same expansion for
/// command and args.
/// </summary>
public static class KubeletEnvironment
{
    /// <summary>The <c>kubernetes</c> Service's ClusterIP on a kubeadm-style cluster.</summary>
    public const string KubernetesServiceIp = "10.96.0.1";

    /// <summary>The environment as name/value pairs, in the order the runtime gets them.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> For(V1Container container, DownwardApi.Context context)
    {
        ArgumentNullException.ThrowIfNull(container);
        var services = ServiceVariables();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var env in container.Env ?? [])
        {
            var value = env.ValueFrom?.FieldRef is { } field
                ? DownwardApi.Value(field.FieldPath, context)
                : Expand(env.Value ?? "", name => values.TryGetValue(name, out var v) ? v : services.GetValueOrDefault(name));
            if (!values.ContainsKey(env.Name))
            {
                order.Add(env.Name);
            }

            values[env.Name] = value;
        }

        return order.Select(n => KeyValuePair.Create(n, values[n]))
            .Concat(services.Where(s => !values.ContainsKey(s.Key)))
            .ToArray();
    }

    /// <summary>Expands <c>$(VAR)</c> in each argument with the container's final environment (unknown references stay as written).</summary>
    public static IReadOnlyList<string> ExpandAll(IEnumerable<string>? arguments, IReadOnlyList<KeyValuePair<string, string>> environment)
    {
        var map = environment.GroupBy(e => e.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
        return (arguments ?? []).Select(a => Expand(a, n => map.GetValueOrDefault(n))).ToArray();
    }

    /// <summary>
    /// Kubernetes' <c>$(VAR)</c> expansion: a defined reference becomes its value, an undefined one stays as
    /// written, <c>$$</c> becomes <c>$</c>, any other <c>$</c> is kept.
    /// </summary>
    public static string Expand(string input, Func<string, string?> lookup)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(lookup);
        var output = new StringBuilder(input.Length);
        for (var i = 0; i < input.Length; i++)
        {
            if (input[i] != '$' || i + 1 >= input.Length)
            {
                output.Append(input[i]);
                continue;
            }

            var next = input[i + 1];
            if (next == '$')
            {
                output.Append('$');
                i++;
            }
            else if (next == '(' && input.IndexOf(')', i + 2) is var close and > 0)
            {
                var name = input[(i + 2)..close];
                output.Append(lookup(name) ?? $"$({name})");
                i = close;
            }
            else
            {
                output.Append('$');
            }
        }

        return output.ToString();
    }

    // What every pod gets for the default namespace's kubernetes Service (enableServiceLinks or not).
    private static Dictionary<string, string> ServiceVariables()
    {
        const string ip = KubernetesServiceIp;
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["KUBERNETES_SERVICE_HOST"] = ip,
            ["KUBERNETES_SERVICE_PORT"] = "443",
            ["KUBERNETES_SERVICE_PORT_HTTPS"] = "443",
            ["KUBERNETES_PORT"] = $"tcp://{ip}:443",
            ["KUBERNETES_PORT_443_TCP"] = $"tcp://{ip}:443",
            ["KUBERNETES_PORT_443_TCP_PROTO"] = "tcp",
            ["KUBERNETES_PORT_443_TCP_PORT"] = "443",
            ["KUBERNETES_PORT_443_TCP_ADDR"] = ip,
        };
    }
}
