using System.Collections.Concurrent;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Metrics;
using Cryo.Operator.Queue;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Cryo.Operator.Watching;

/// <summary>
/// List, then watch from the list's resourceVersion, forever: follows bookmarks, reopens a watch that
/// ended from the last resourceVersion seen, and lists afresh when the server answers 410 Gone (the
/// version fell out of its history), reporting objects that vanished meanwhile as deleted.
/// Optionally keeps the latest copy of every object (an informer's cache).
/// </summary>
/// <typeparam name="T">The watched kind.</typeparam>
/// <typeparam name="TList">Its list type.</typeparam>
public sealed class ResourceWatcher<T, TList>(
    string kind,
    Func<ListRequest, CancellationToken, Task<HttpOperationResponse<TList>>> list,
    bool keepCache,
    TimeSpan watchTimeout,
    OperatorMetrics metrics,
    ILogger logger)
    where T : IKubernetesObject<V1ObjectMeta>
    where TList : IKubernetesObject<V1ListMeta>, IItems<T>
{
    private readonly ConcurrentDictionary<ObjectKey, T> cache = new();
    private readonly HashSet<ObjectKey> known = [];
    private readonly TaskCompletionSource synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Applied to every object as it arrives, before the cache and the change callback see it: what of it is
    /// worth keeping (see <see cref="CachedFields"/>). Keeps everything by default.
    /// </summary>
    public Func<T, T> Keep { get; init; } = obj => obj;

    /// <summary>The latest copy of every object (empty unless the cache is kept).</summary>
    public IReadOnlyDictionary<ObjectKey, T> Cache => cache;

    /// <summary>Completes once the first list has been delivered.</summary>
    public Task Synced => synced.Task;

    /// <summary>The resourceVersion the next watch starts from; null means list first.</summary>
    public string? ResourceVersion { get; private set; }

    /// <summary>
    /// Runs until cancelled, calling <paramref name="onChange"/> for every change, in order, with the previous
    /// copy when the cache is kept.
    /// </summary>
    public async Task RunAsync(Action<WatchEventType, T, T?> onChange, CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (ResourceVersion is null)
                {
                    ResourceVersion = await RelistAsync(onChange, cancellationToken);
                    synced.TrySetResult();
                }

                var gone = await WatchOnceAsync(onChange, cancellationToken);
                metrics.WatchRestarts.WithLabels(kind, gone ? "gone" : "timeout").Inc();
                if (gone)
                {
                    logger.LogInformation("{Kind} watch from resourceVersion {ResourceVersion} expired (410 Gone); listing afresh", kind, ResourceVersion);
                    ResourceVersion = null;
                }

                failures = 0;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Gone)
            {
                metrics.WatchRestarts.WithLabels(kind, "gone").Inc();
                ResourceVersion = null;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                metrics.WatchRestarts.WithLabels(kind, "error").Inc();
                failures++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(100 * Math.Pow(2, failures), 10_000));
                logger.LogWarning(e, "{Kind} list/watch failed; retrying in {Delay}", kind, delay);
                await Task.Delay(delay, cancellationToken);
            }
        }
    }

    private async Task<string> RelistAsync(Action<WatchEventType, T, T?> onChange, CancellationToken cancellationToken)
    {
        using var response = await list(new ListRequest(false, null, null), cancellationToken);
        var body = response.Body;
        var listed = new HashSet<ObjectKey>();
        foreach (var item in body.Items.Select(Keep))
        {
            var key = KeyOf(item);
            listed.Add(key);
            var previous = Apply(WatchEventType.Added, item);
            onChange(previous is null ? WatchEventType.Added : WatchEventType.Modified, item, previous);
        }

        foreach (var vanished in known.Where(k => !listed.Contains(k)).ToList())
        {
            // Deleted while we were not watching: say so, so the key is reconciled (and finds nothing).
            known.Remove(vanished);
            cache.TryRemove(vanished, out var last);
            if (last is not null)
            {
                onChange(WatchEventType.Deleted, last, last);
            }
        }

        return body.Metadata.ResourceVersion;
    }

    private async Task<bool> WatchOnceAsync(Action<WatchEventType, T, T?> onChange, CancellationToken cancellationToken)
    {
        var errors = new List<Exception>();
        var request = new ListRequest(true, ResourceVersion, (int)watchTimeout.TotalSeconds);
        var response = list(request, cancellationToken);

        // WatchAsync over a list call is the client's only watch for custom resources.
#pragma warning disable CS0618
        await foreach (var (type, received) in response.WatchAsync<T, TList>(errors.Add, cancellationToken))
#pragma warning restore CS0618
        {
            ResourceVersion = received.Metadata.ResourceVersion ?? ResourceVersion;
            if (type is WatchEventType.Bookmark)
            {
                continue;
            }

            var obj = Keep(received);
            var previous = Apply(type, obj);
            onChange(type, obj, previous);
        }

        if (errors.OfType<KubernetesException>().Any(e => e.Status?.Code == 410))
        {
            return true;
        }

        if (errors.Count > 0)
        {
            throw new WatchFailedException(kind, ResourceVersion, errors[0]);
        }

        return false;
    }

    private T? Apply(WatchEventType type, T obj)
    {
        var key = KeyOf(obj);
        cache.TryGetValue(key, out var previous);
        if (type is WatchEventType.Deleted)
        {
            known.Remove(key);
            cache.TryRemove(key, out _);
            return previous;
        }

        known.Add(key);
        if (keepCache)
        {
            cache[key] = obj;
        }

        return previous;
    }

    private static ObjectKey KeyOf(T obj) => new(obj.Metadata.NamespaceProperty ?? "", obj.Metadata.Name);
}
