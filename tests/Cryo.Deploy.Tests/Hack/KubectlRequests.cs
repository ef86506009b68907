namespace Cryo.Deploy.Tests.Hack;

/// <summary>One API request as RBAC sees it: group ("" for core), resource (with subresource), verb, object name.</summary>
public sealed record ApiRequest(string Group, string Resource, string Verb, string? Name);

/// <summary>
/// The API requests behind the kubectl command lines hack/e2e.sh runs, as kubectl makes them: `get KIND/NAME`
/// gets, `get KIND` without names lists, `apply -f -` of a new object gets it (not found) then creates it,
/// `logs` gets the pod then its log, `exec` gets the pod then opens pods/exec (a get over WebSocket, a create
/// over SPDY and, from Kubernetes 1.35, over WebSocket too), `delete` deletes each name (with --wait=false it
/// does not watch), `describe` gets the object and lists Events. `get --raw` is discovery, open to everyone.
/// </summary>
public static class KubectlRequests
{
    /// <summary>The requests of <paramref name="calls"/> (arguments joined by spaces); <paramref name="applied"/> holds what each `apply -f -` read.</summary>
    /// <exception cref="InvalidDataException">A command line this mapping does not know.</exception>
    public static IEnumerable<ApiRequest> Of(IEnumerable<string> calls, IReadOnlyList<string> applied)
    {
        var applies = 0;
        foreach (var call in calls)
        {
            var words = call.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var positional = words.Skip(1).TakeWhile(w => !w.StartsWith('-')).ToList();
            switch (words[0])
            {
                case "get" when words.Length > 1 && words[1] == "--raw":
                    break;
                case "get" when positional.Count > 0 && positional[0].Contains('/'):
                    foreach (var reference in positional)
                    {
                        yield return Request(reference.Split('/')[0], "get", reference.Split('/')[1]);
                    }

                    break;
                case "get" when positional.Count == 1:
                    yield return Request(positional[0], "list", null);
                    break;
                case "get":
                    foreach (var name in positional.Skip(1))
                    {
                        yield return Request(positional[0], "get", name);
                    }

                    break;
                case "apply":
                    var manifest = YamlDocuments.Parse(applied[applies++], $"applied manifest {applies}").Single();
                    var kind = manifest.StringAt("kind")!;
                    yield return Request(kind, "get", manifest.StringAt("metadata.name"));
                    yield return Request(kind, "create", null);
                    break;
                case "logs":
                    yield return Request("pod", "get", positional[0]);
                    yield return new ApiRequest("", "pods/log", "get", positional[0]);
                    break;
                case "exec":
                    var pod = positional[0].Replace("pod/", string.Empty, StringComparison.Ordinal);
                    yield return Request("pod", "get", pod);
                    yield return new ApiRequest("", "pods/exec", "get", pod);
                    yield return new ApiRequest("", "pods/exec", "create", pod);
                    break;
                case "delete" when positional[0].Contains('/'):
                    foreach (var reference in positional)
                    {
                        yield return Request(reference.Split('/')[0], "delete", reference.Split('/')[1]);
                    }

                    break;
                case "delete":
                    foreach (var name in positional.Skip(1))
                    {
                        yield return Request(positional[0], "delete", name);
                    }

                    break;
                case "describe":
                    yield return Request(positional[0].Split('/')[0], "get", positional[0].Split('/')[1]);
                    yield return Request("events", "list", null);
                    break;
                default:
                    throw new InvalidDataException($"no mapping to API requests for: kubectl {call}");
            }
        }
    }

    private static ApiRequest Request(string kind, string verb, string? name) => kind.ToLowerInvariant() switch
    {
        "pod" or "pods" => new ApiRequest("", "pods", verb, name),
        "event" or "events" => new ApiRequest("", "events", verb, name),
        "namespace" or "namespaces" => new ApiRequest("", "namespaces", verb, name),
        "checkpoint" or "checkpoints" => new ApiRequest("cryo.io", "checkpoints", verb, name),
        "restore" or "restores" => new ApiRequest("cryo.io", "restores", verb, name),
        _ => throw new InvalidDataException($"no mapping for kind {kind}"),
    };
}
