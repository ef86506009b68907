using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cryo.Testing.Kubernetes;

/// <summary>
/// A loopback HTTP server (Kestrel on 127.0.0.1, a free port) that speaks the parts of the Kubernetes API
/// the operator relies on, for pods, events (core/v1 and events.k8s.io/v1), leases, checkpoints, restores and
/// restoresets (with their scale subresource, as kubectl scale and autoscalers use it). Talk to it through the real
/// KubernetesClient from <see cref="CreateClient"/>.
/// It also plays the garbage collector of kube-controller-manager: deleting an owner deletes its dependents.
/// </summary>
public sealed class TestApiServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly TestApiServerOptions options;
    private readonly ConcurrentQueue<RecordedRequest> requests = new();
    private readonly GarbageCollector collector;

    private TestApiServer(WebApplication app, TestApiServerOptions options)
    {
        this.app = app;
        this.options = options;
        Store = new ResourceStore(options.HistoryLimit, options.Clock);
        collector = new GarbageCollector(Store);
    }

    /// <summary>The URL clients connect to.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Every answered request, in order.</summary>
    public IReadOnlyCollection<RecordedRequest> Requests => requests;

    /// <summary>
    /// Runs before a write (PUT, PATCH, POST, DELETE) is applied, e.g. to make a concurrent change that the
    /// write then conflicts with. Arguments: method, route.
    /// </summary>
    public Func<string, string, Task>? BeforeWrite { get; set; }

    internal ResourceStore Store { get; }

    private volatile TaskCompletionSource? watchGate;

    /// <summary>
    /// While set, every request must carry <c>Authorization: Bearer</c> with this token, or gets 401 as from a real
    /// server: proves a client sends the credentials of its kubeconfig context.
    /// </summary>
    public string? RequiredToken { get; set; }

    /// <summary>
    /// Plays RBAC: called with the method and path of each request; a message refuses it with 403 Forbidden and that
    /// message (write it as the real server does: <c>checkpoints.cryo.io is forbidden: User "u" cannot create …</c>).
    /// </summary>
    public Func<string, string, string?>? Deny { get; set; }

    /// <summary>What <c>pods/log</c> returns for a pod's container, keyed <c>namespace/pod/container</c> (empty when absent).</summary>
    public ConcurrentDictionary<string, string> PodLogs { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Runs the commands of <c>pods/exec</c> (over WebSocket, channel protocol v4, as kubectl exec and
    /// KubernetesClient use it) in place of a kubelet. Without it, exec is refused.
    /// </summary>
    public Func<PodExec, CancellationToken, Task<PodExecResult>>? Exec { get; set; }

    /// <summary>
    /// Serves <c>pods/exec</c> with the command's standard streams as bytes (binary output, standard input from the
    /// client): returns the exit code. Takes precedence over <see cref="Exec"/>.
    /// </summary>
    public Func<PodExec, PodExecStreams, CancellationToken, Task<int>>? StreamingExec { get; set; }

    /// <summary>Makes new watch requests wait (as behind a slow network) until <see cref="ReleaseWatches"/>.</summary>
    public void HoldWatches() => watchGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Lets held watch requests proceed.</summary>
    public void ReleaseWatches() => Interlocked.Exchange(ref watchGate, null)?.TrySetResult();

    /// <summary>Starts a server on a free loopback port.</summary>
    public static async Task<TestApiServer> StartAsync(TestApiServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var server = new TestApiServer(builder.Build(), options ?? new TestApiServerOptions());
        server.app.UseWebSockets();
        server.app.Run(server.HandleAsync);
        await server.app.StartAsync(cancellationToken);
        var address = server.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address);
        return server;
    }

    /// <summary>A real KubernetesClient pointed at this server; <paramref name="clientName"/> tags its requests.</summary>
    public k8s.Kubernetes CreateClient(string? clientName = null)
    {
        var config = new KubernetesClientConfiguration { Host = BaseAddress.ToString() };
        return clientName is null ? new k8s.Kubernetes(config) : new k8s.Kubernetes(config, new ClientNameHandler(clientName));
    }

    /// <summary>Forgets the event history: every watch resuming from an older resourceVersion now gets 410 Gone.</summary>
    public void CompactHistory() => Store.Compact();

    /// <summary>Closes every open watch (clients must re-watch from their last resourceVersion).</summary>
    public void CloseAllWatches() => Store.CloseAllWatches();

    /// <summary>
    /// How many watches are open. A watch request the server has received is not open until it is registered:
    /// closing "all" watches before that misses it.
    /// </summary>
    public int OpenWatches => Store.OpenWatches;

    /// <summary>The current resourceVersion of the whole store.</summary>
    public string CurrentResourceVersion => Store.CurrentVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        Store.CloseAllWatches();
        await collector.DisposeAsync();
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var arrived = DateTime.UtcNow;
        var isWatch = request.Query["watch"] is ["true"] or ["1"];
        if (isWatch)
        {
            // Watches run long: record them as they open, so tests see open watches too.
            requests.Enqueue(new RecordedRequest(request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "",
                200, request.Headers["X-Test-Client"].FirstOrDefault(), arrived));
        }

        try
        {
            if (RequiredToken is { } token && request.Headers.Authorization.FirstOrDefault() != $"Bearer {token}")
            {
                throw new ApiError(401, "Unauthorized", "Unauthorized");
            }

            if (Deny?.Invoke(request.Method, request.Path.Value ?? "") is { } denied)
            {
                throw new ApiError(403, "Forbidden", denied);
            }

            var route = ApiRoute.Parse(request.Path.Value ?? "")
                        ?? throw new ApiError(404, "NotFound", "the server could not find the requested resource");
            if (request.Method != "GET" && BeforeWrite is { } hook)
            {
                await hook(request.Method, request.Path.Value!);
            }

            await DispatchAsync(context, route);
        }
        catch (ApiError e) when (!context.Response.HasStarted)
        {
            await WriteJsonAsync(context, e.Code, e.ToStatus());
        }
        catch (JsonException e) when (!context.Response.HasStarted)
        {
            await WriteJsonAsync(context, 400, ApiError.BadRequest($"the body of the request could not be decoded: {e.Message}").ToStatus());
        }
        catch (Exception e) when (!context.Response.HasStarted && e is not OperationCanceledException)
        {
            // A bug in this server: answer as the real one does for internal errors, with the cause visible.
            await WriteJsonAsync(context, 500, new ApiError(500, "InternalError", $"Internal error occurred: {e}").ToStatus());
        }
        finally
        {
            if (!isWatch)
            {
                requests.Enqueue(new RecordedRequest(request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "",
                    context.Response.StatusCode, request.Headers["X-Test-Client"].FirstOrDefault(), arrived));
            }
        }
    }

    private async Task DispatchAsync(HttpContext context, ApiRoute route)
    {
        var request = context.Request;
        var query = request.Query;
        // A cluster-scoped resource's objects live under the empty namespace, for lists and single objects alike.
        var ns = route.Type.IsClusterScoped ? "" : route.Namespace;
        switch (request.Method)
        {
            case "POST" when route.Subresource == "binding" && route.Name is not null:
                await WriteJsonAsync(context, 201, Store.Bind(Require(ns), route.Name, await ReadObjectAsync(request)));
                break;
            case not "POST" when route.Subresource == "binding":
                throw new ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
            case "GET" when route.Subresource == "log" && route.Name is not null:
                await WriteLogAsync(context, Require(ns), route.Name);
                break;
            case "GET" when route.Subresource == "exec" && route.Name is not null:
                await ExecAsync(context, Require(ns), route.Name);
                break;
            case not "GET" when route.Subresource is "log" or "exec":
                throw new ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
            case "GET" when route.Subresource == "scale" && route.Name is not null:
                await WriteJsonAsync(context, 200, Store.GetScale(route.Type, Require(ns), route.Name));
                break;
            case "PUT" when route.Subresource == "scale" && route.Name is not null:
                var scale = await ReadObjectAsync(request);
                await WriteJsonAsync(context, 200, Store.UpdateScale(route.Type, Require(ns), route.Name, _ => scale));
                break;
            case "PATCH" when route.Subresource == "scale" && route.Name is not null:
                var scalePatch = await ReadPatchAsync(request, route);
                await WriteJsonAsync(context, 200, Store.UpdateScale(route.Type, Require(ns), route.Name, scalePatch));
                break;
            case not ("GET" or "PUT" or "PATCH") when route.Subresource == "scale":
                throw new ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
            case "GET" when route.Name is null && query["watch"] is ["true"] or ["1"]:
                await WatchAsync(context, route);
                break;
            case "GET" when route.Name is null:
                var (version, items) = Store.List(route.Type, ns, LabelSelector.Parse(query["labelSelector"]),
                    FieldSelector.Parse(query["fieldSelector"], route.Type));
                await WriteJsonAsync(context, 200, new JsonObject
                {
                    ["kind"] = route.Type.Kind + "List",
                    ["apiVersion"] = route.Type.ApiVersion,
                    ["metadata"] = new JsonObject { ["resourceVersion"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                    ["items"] = new JsonArray(items.Cast<JsonNode>().ToArray()),
                });
                break;
            case "GET":
                await WriteJsonAsync(context, 200, Store.Get(route.Type, Require(ns), route.Name));
                break;
            case "POST" when route.Name is null && route.Subresource is null:
                await WriteJsonAsync(context, 201, Store.Create(route.Type, Require(ns), await ReadObjectAsync(request)));
                break;
            case "PUT" when route.Name is not null:
                await WriteJsonAsync(context, 200,
                    Store.Update(route.Type, Require(ns), route.Name, await ReadObjectAsync(request), route.Subresource == "status"));
                break;
            case "PATCH" when route.Name is not null:
                var patch = await ReadPatchAsync(request, route);
                await WriteJsonAsync(context, 200, Store.Patch(route.Type, Require(ns), route.Name, patch, route.Subresource == "status"));
                break;
            case "DELETE" when route.Name is not null && route.Subresource is null:
                var body = request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0
                    ? await JsonNode.ParseAsync(request.Body) as JsonObject
                    : null;
                if (long.TryParse(query["gracePeriodSeconds"], out var grace))
                {
                    // The query parameter overrides DeleteOptions in the body, as on the real server.
                    (body ??= new JsonObject())["gracePeriodSeconds"] = grace;
                }

                var (obj, gone) = Store.Delete(route.Type, Require(ns), route.Name, body);
                await WriteJsonAsync(context, gone ? 200 : 202, obj);
                break;
            default:
                throw new ApiError(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource");
        }
    }

    private async Task WriteLogAsync(HttpContext context, string ns, string name)
    {
        var query = context.Request.Query;
        var container = ContainerOf(Store.Get(ResourceType.Pods, ns, name), name, query["container"]);
        var text = PodLogs.GetValueOrDefault($"{ns}/{name}/{container}", "");
        if (int.TryParse(query["tailLines"], out var tail) && tail >= 0)
        {
            var lines = text.EndsWith('\n') ? text[..^1].Split('\n') : text.Split('\n');
            text = lines.Length <= tail ? text : string.Join('\n', lines[^tail..]) + (text.EndsWith('\n') ? "\n" : "");
        }

        // follow=true streams until the container ends; the log here is all there is, so the stream ends with it.
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync(text, context.RequestAborted);
    }

    private async Task ExecAsync(HttpContext context, string ns, string name)
    {
        var query = context.Request.Query;
        var container = ContainerOf(Store.Get(ResourceType.Pods, ns, name), name, query["container"]);
        if (!context.WebSockets.IsWebSocketRequest)
        {
            throw ApiError.BadRequest("Upgrade request required");
        }

        var requested = context.WebSockets.WebSocketRequestedProtocols;
        var protocol = requested.Contains("v5.channel.k8s.io") ? "v5.channel.k8s.io"
            : requested.Contains("v4.channel.k8s.io") ? "v4.channel.k8s.io"
            : throw ApiError.BadRequest($"the test API server speaks v5.channel.k8s.io and v4.channel.k8s.io, not {string.Join(", ", requested)}");
        var exec = new PodExec(ns, name, container, [.. query["command"].Select(c => c ?? "")]);
        if (StreamingExec is { } streaming)
        {
            using var streamingSocket = await context.WebSockets.AcceptWebSocketAsync(protocol);
            await PodExecChannels.RunAsync(streamingSocket, streams => streaming(exec, streams, context.RequestAborted), context.RequestAborted);
            return;
        }

        var handler = Exec ?? throw new ApiError(403, "Forbidden", "pods/exec is not served by this test API server: set TestApiServer.Exec");
        var result = await handler(exec, context.RequestAborted);
        using var socket = await context.WebSockets.AcceptWebSocketAsync(protocol);
        await PodExecChannels.WriteAsync(socket, result, context.RequestAborted);
    }

    // The container a pods/log or pods/exec request means: the one named, or the pod's only one.
    private static string ContainerOf(JsonObject pod, string name, string? requested)
    {
        var containers = (pod["spec"]?["containers"] as JsonArray ?? []).Select(c => c?["name"]?.GetValue<string>() ?? "").ToList();
        if (requested is { Length: > 0 })
        {
            return containers.Contains(requested)
                ? requested
                : throw ApiError.BadRequest($"container {requested} is not valid for pod {name}");
        }

        return containers.Count == 1
            ? containers[0]
            : throw ApiError.BadRequest($"a container name must be specified for pod {name}, choose one of: [{string.Join(" ", containers)}]");
    }

    private async Task WatchAsync(HttpContext context, ApiRoute route)
    {
        if (watchGate is { } gate)
        {
            await gate.Task.WaitAsync(context.RequestAborted);
        }

        var query = context.Request.Query;
        var watcher = Store.Watch(route.Type, route.Namespace, LabelSelector.Parse(query["labelSelector"]),
            FieldSelector.Parse(query["fieldSelector"], route.Type), query["resourceVersion"]);
        var bookmarks = query["allowWatchBookmarks"] is ["true"];
        var timeout = int.TryParse(query["timeoutSeconds"], out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : options.DefaultWatchTimeout;
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        ended.CancelAfter(timeout);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-cache, private";
        await context.Response.Body.FlushAsync(ended.Token);
        using var timer = bookmarks
            ? new Timer(_ => Store.Bookmark(watcher), null, options.BookmarkInterval, options.BookmarkInterval)
            : null;
        try
        {
            await foreach (var line in watcher.Lines.Reader.ReadAllAsync(ended.Token))
            {
                await context.Response.WriteAsync(line + "\n", ended.Token);
                await context.Response.Body.FlushAsync(ended.Token);
            }
        }
        catch (OperationCanceledException) when (ended.IsCancellationRequested)
        {
            // The watch's timeout passed or the client went away: the watch ends, as on the real server.
        }
        finally
        {
            Store.Unwatch(watcher);
        }
    }

    private static async Task<Func<JsonObject, JsonNode>> ReadPatchAsync(HttpRequest request, ApiRoute route)
    {
        var mediaType = request.ContentType?.Split(';')[0].Trim();
        var patch = await JsonNode.ParseAsync(request.Body);
        return mediaType switch
        {
            "application/merge-patch+json" => current => MergePatch.Apply(current, patch)!,
            "application/json-patch+json" when patch is JsonArray ops => current => JsonPatch.Apply(current, ops),
            "application/json-patch+json" => throw ApiError.BadRequest("json patch must be an array of operations"),

            // The scale subresource is autoscaling/v1 Scale, a Go type, even for custom resources: strategic merge patch is
            // served, and with Scale's scalar fields only it merges as a JSON merge patch does.
            "application/strategic-merge-patch+json" when route.Subresource == "scale" => current => MergePatch.Apply(current, patch)!,

            // Custom resources have no Go type to carry patch strategies: the real server refuses this media type for them.
            "application/strategic-merge-patch+json" when route.Type.IsCustom => throw UnsupportedMediaType(
                "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"),
            "application/strategic-merge-patch+json" when route.Type == ResourceType.Pods && route.Subresource == "status" =>
                current => StrategicMergePatch.Apply(current, patch),
            "application/strategic-merge-patch+json" => throw ApiError.BadRequest(
                $"the test API server implements strategic merge patch for pods/status only, not {route.Type.Describe()}{(route.Subresource is null ? "" : "/" + route.Subresource)}"),
            _ => throw UnsupportedMediaType("application/json-patch+json, application/merge-patch+json"),
        };
    }

    private static ApiError UnsupportedMediaType(string accepted) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: {accepted}");

    private static async Task<JsonObject> ReadObjectAsync(HttpRequest request) =>
        await JsonNode.ParseAsync(request.Body) as JsonObject ?? throw ApiError.BadRequest("the body must be a JSON object");

    private static string Require(string? ns) =>
        ns ?? throw new ApiError(404, "NotFound", "the server could not find the requested resource");

    private static async Task WriteJsonAsync(HttpContext context, int code, JsonObject body)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    private sealed class ClientNameHandler(string name) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Add("X-Test-Client", name);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
