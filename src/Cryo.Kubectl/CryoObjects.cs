using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;

namespace Cryo.Kubectl;

/// <summary>
/// Cryo's custom resources over the API server's REST paths, as JSON objects: the client's HTTP pipeline (its
/// credentials, TLS and base URL) with JsonNode bodies, which need no reflection in a Native AOT program.
/// </summary>
public sealed class CryoObjects(Kubernetes client)
{
    /// <summary>The object, or null when it does not exist.</summary>
    public async Task<JsonObject?> GetAsync(CryoKinds.Kind kind, string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await SendAsync(HttpMethod.Get, Path(kind, ns, name), null, cancellationToken);
        }
        catch (ApiException e) when (e.Status == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Creates <paramref name="body"/> in <paramref name="ns"/> and returns it as stored.</summary>
    public Task<JsonObject> CreateAsync(CryoKinds.Kind kind, string ns, JsonObject body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, Path(kind, ns, null), body, cancellationToken);

    /// <summary>Applies a JSON merge patch (RFC 7386) to the object and returns it as stored.</summary>
    public async Task<JsonObject> MergePatchAsync(CryoKinds.Kind kind, string ns, string name, JsonObject patch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(patch);
        using var request = new HttpRequestMessage(HttpMethod.Patch, Url(Path(kind, ns, name)))
        {
            Content = new StringContent(patch.ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/merge-patch+json")),
        };
        using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        await ThrowIfFailedAsync(response, cancellationToken);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken)) as JsonObject ?? [];
    }

    /// <summary>Every object of <paramref name="kind"/> in <paramref name="ns"/> (every namespace when null).</summary>
    public async Task<List<JsonObject>> ListAsync(CryoKinds.Kind kind, string? ns, CancellationToken cancellationToken)
    {
        var list = await SendAsync(HttpMethod.Get, Path(kind, ns, null), null, cancellationToken);
        return [.. (list["items"]?.AsArray() ?? []).OfType<JsonObject>()];
    }

    /// <summary>Deletes the object; false when it did not exist.</summary>
    public async Task<bool> DeleteAsync(CryoKinds.Kind kind, string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(HttpMethod.Delete, Path(kind, ns, name), null, cancellationToken);
            return true;
        }
        catch (ApiException e) when (e.Status == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>
    /// The object's changes after <paramref name="resourceVersion"/>, as the API server's watch sends them
    /// (<c>ADDED</c>, <c>MODIFIED</c>, <c>DELETED</c>), reopened where it left off when the server ends it.
    /// </summary>
    public async IAsyncEnumerable<(string Type, JsonObject Object)> WatchAsync(CryoKinds.Kind kind, string ns, string name, string resourceVersion,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var version = resourceVersion;
        while (true)
        {
            var query = $"?watch=true&fieldSelector={Uri.EscapeDataString($"metadata.name={name}")}&resourceVersion={Uri.EscapeDataString(version)}";
            using var request = new HttpRequestMessage(HttpMethod.Get, Url(Path(kind, ns, null) + query));
            using var response = await SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            await ThrowIfFailedAsync(response, cancellationToken);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.Length == 0 || JsonNode.Parse(line) is not JsonObject watchEvent
                    || watchEvent["type"]?.GetValue<string>() is not { } type || watchEvent["object"] is not JsonObject changed)
                {
                    continue;
                }

                if (type == "ERROR")
                {
                    // 410 Gone: the version is too old to watch from; the caller starts again from a fresh read.
                    throw new ApiException((HttpStatusCode)(changed["code"]?.GetValue<int>() ?? 500), changed["reason"]?.GetValue<string>() ?? "",
                        changed["message"]?.GetValue<string>() ?? "the watch failed");
                }

                version = changed["metadata"]?["resourceVersion"]?.GetValue<string>() ?? version;
                yield return (type, changed);
            }
        }
    }

    private async Task<JsonObject> SendAsync(HttpMethod method, string path, JsonObject? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, Url(path));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        }

        using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        await ThrowIfFailedAsync(response, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return text.Length == 0 ? [] : JsonNode.Parse(text) as JsonObject ?? [];
    }

    // The client's HttpClient carries TLS and client certificates; tokens (static, refreshed, from exec plugins) are
    // added per request by its credentials, as its generated operations do.
    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        if (client.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken);
        }

        return await client.HttpClient.SendAsync(request, completion, cancellationToken);
    }

    private static async Task ThrowIfFailedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        string? reason = null, message = null;
        try
        {
            if (JsonNode.Parse(text) is JsonObject status)
            {
                reason = status["reason"]?.GetValue<string>();
                message = status["message"]?.GetValue<string>();
            }
        }
        catch (JsonException)
        {
            // Not a Status object (a proxy's page): its first line is the message.
        }

        throw new ApiException(response.StatusCode, reason ?? response.StatusCode.ToString(),
            message ?? (text.Split('\n', 2)[0] is { Length: > 0 } first ? first : $"{(int)response.StatusCode} {response.ReasonPhrase}"));
    }

    private Uri Url(string path) => new(client.BaseUri.ToString().TrimEnd('/') + path);

    private static string Path(CryoKinds.Kind kind, string? ns, string? name) =>
        $"/apis/{CryoKinds.Group}/{CryoKinds.Version}"
        + (ns is null ? "" : $"/namespaces/{Uri.EscapeDataString(ns)}")
        + $"/{kind.Plural}"
        + (name is null ? "" : $"/{Uri.EscapeDataString(name)}");
}
