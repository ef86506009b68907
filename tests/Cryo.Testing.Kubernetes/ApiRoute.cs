namespace Cryo.Testing.Kubernetes;

/// <summary>
/// A parsed resource URL: <c>/api/v1/namespaces/{ns}/{resource}/{name}/{sub}</c> or
/// <c>/apis/{group}/{version}/...</c>; a missing namespace means all namespaces (lists and watches). Subresources:
/// status, pods' binding, log and exec, and scale where the resource declares it.
/// </summary>
internal sealed record ApiRoute(ResourceType Type, string? Namespace, string? Name, string? Subresource)
{
    public static ApiRoute? Parse(string path)
    {
        var s = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        string group, version;
        int i;
        if (s.Length >= 3 && s[0] == "api")
        {
            (group, version, i) = ("", s[1], 2);
        }
        else if (s.Length >= 4 && s[0] == "apis")
        {
            (group, version, i) = (s[1], s[2], 3);
        }
        else
        {
            return null;
        }

        string? ns = null;
        if (s.Length > i + 2 && s[i] == "namespaces")
        {
            ns = s[i + 1];
            i += 2;
        }

        var type = ResourceType.All.FirstOrDefault(t => t.Group == group && t.Version == version && t.Plural == s[i]);
        if (type is null || s.Length > i + 3)
        {
            return null;
        }

        if (type.IsClusterScoped && ns is not null)
        {
            return null;
        }

        var name = s.Length > i + 1 ? Uri.UnescapeDataString(s[i + 1]) : null;
        var sub = s.Length > i + 2 ? s[i + 2] : null;
        var served = sub is null or "status" || (sub is "binding" or "log" or "exec" && type == ResourceType.Pods) || (sub == "scale" && type.Scale is not null);
        return served ? new ApiRoute(type, ns, name, sub) : null;
    }
}
