using System.Globalization;
using System.Text.Json.Nodes;

namespace Cryo.Testing.Kubernetes;

/// <summary>
/// The objects the test API server holds and the semantics of changing them, after the real API server:
/// one global resourceVersion counter, optimistic concurrency, generation bumped on spec changes only,
/// the status subresource split, finalizers and deletionTimestamp, the graceful deletion of pods, no-op writes that
/// change nothing, and a bounded event history that watches resume from (older resourceVersions get 410 Gone).
/// Timestamps come from <paramref name="clock"/>.
/// </summary>
internal sealed class ResourceStore(int historyLimit, TimeProvider clock)
{
    private readonly Lock gate = new();
    private readonly Dictionary<(ResourceType Type, string Namespace, string Name), JsonObject> objects = [];
    private readonly LinkedList<HistoryEntry> history = new();
    private readonly List<Watcher> watchers = [];
    private long resourceVersion = 1000;
    private long historyFloor = 1000;

    /// <summary>Raised after an object is really gone (not merely marked for deletion), outside the lock.</summary>
    public event Action<ResourceType, JsonObject>? Removed;

    /// <summary>Raised after an object was created with owner references, or its owner references changed, outside the lock.</summary>
    public event Action<ResourceType, JsonObject>? OwnersSet;

    public long CurrentVersion
    {
        get
        {
            lock (gate)
            {
                return resourceVersion;
            }
        }
    }

    public JsonObject Create(ResourceType type, string ns, JsonObject body)
    {
        var meta = Meta(body);
        if (meta["namespace"]?.GetValue<string>() is { Length: > 0 } bodyNs && bodyNs != ns)
        {
            throw ApiError.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }

        var name = meta["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name))
        {
            var prefix = meta["generateName"]?.GetValue<string>();
            if (string.IsNullOrEmpty(prefix))
            {
                throw ApiError.Invalid(type, "", "metadata.name: Required value: name or generateName is required");
            }

            name = prefix + Guid.NewGuid().ToString("N")[..5];
        }

        var obj = (JsonObject)body.DeepClone();
        obj["kind"] = type.Kind;
        obj["apiVersion"] = type.ApiVersion;
        meta = Meta(obj);
        meta["name"] = name;
        if (type.IsClusterScoped)
        {
            meta.Remove("namespace");
        }
        else
        {
            meta["namespace"] = ns;
        }

        meta["uid"] = Guid.NewGuid().ToString();
        meta["creationTimestamp"] = Now();
        meta.Remove("deletionTimestamp");
        meta.Remove("deletionGracePeriodSeconds");
        if (type.HasGeneration)
        {
            meta["generation"] = 1;
        }
        else
        {
            meta.Remove("generation");
        }

        if (type == ResourceType.Pods)
        {
            obj["status"] = new JsonObject { ["phase"] = "Pending" };
        }
        else if (type.HasStatusSubresource && type != ResourceType.Nodes)
        {
            // Nodes are the exception, as on the real server: a kubelet registers its node with its status.
            obj.Remove("status");
        }

        lock (gate)
        {
            if (objects.ContainsKey((type, ns, name)))
            {
                throw ApiError.AlreadyExists(type, name);
            }

            return Commit(type, ns, name, null, obj)!;
        }
    }

    public JsonObject Get(ResourceType type, string ns, string name)
    {
        lock (gate)
        {
            return (JsonObject)Find(type, ns, name).DeepClone();
        }
    }

    public (long ResourceVersion, List<JsonObject> Items) List(ResourceType type, string? ns, LabelSelector labels, FieldSelector fields)
    {
        var probe = new Watcher(type, ns, labels, fields);
        lock (gate)
        {
            var items = objects.Where(kv => probe.Selects(kv.Key.Type, kv.Key.Namespace, kv.Value))
                .OrderBy(kv => kv.Key.Namespace, StringComparer.Ordinal).ThenBy(kv => kv.Key.Name, StringComparer.Ordinal)
                .Select(kv => (JsonObject)kv.Value.DeepClone()).ToList();
            return (resourceVersion, items);
        }
    }

    /// <summary>PUT on the main resource (<paramref name="status"/> false) or on /status.</summary>
    public JsonObject Update(ResourceType type, string ns, string name, JsonObject body, bool status)
    {
        lock (gate)
        {
            return Write(type, ns, name, Find(type, ns, name), body, status);
        }
    }

    /// <summary>
    /// POST pods/{name}/binding, as the scheduler binds a pod: sets <c>spec.nodeName</c> of a pod that has none;
    /// a pod already bound answers 409, as the real API server does.
    /// </summary>
    public JsonObject Bind(string ns, string name, JsonObject binding)
    {
        var node = binding["target"]?["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(node))
        {
            throw new ApiError(422, "Invalid", $"Binding \"{name}\" is invalid: target.name: Required value", ResourceType.Pods, name);
        }

        lock (gate)
        {
            var current = Find(ResourceType.Pods, ns, name);
            if (current["spec"]?["nodeName"]?.GetValue<string>() is { Length: > 0 } assigned)
            {
                throw new ApiError(409, "Conflict",
                    $"Operation cannot be fulfilled on pods/binding \"{name}\": pod {name} is already assigned to node \"{assigned}\"", ResourceType.Pods, name);
            }

            var next = (JsonObject)current.DeepClone();
            var spec = next["spec"] as JsonObject ?? (JsonObject)(next["spec"] = new JsonObject());
            spec["nodeName"] = node;
            Commit(ResourceType.Pods, ns, name, current, next);
        }

        return new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success", ["code"] = 201 };
    }

    /// <summary>PATCH: the patch is applied to the current object, then written as an update.</summary>
    public JsonObject Patch(ResourceType type, string ns, string name, Func<JsonObject, JsonNode> patch, bool status)
    {
        lock (gate)
        {
            var current = Find(type, ns, name);
            JsonNode patched;
            try
            {
                patched = patch((JsonObject)current.DeepClone());
            }
            catch (PatchFailedException e)
            {
                throw new ApiError(422, "Invalid", e.Message, type, name);
            }

            if (patched is not JsonObject patchedObject)
            {
                throw ApiError.BadRequest("the patch did not produce an object");
            }

            return Write(type, ns, name, current, patchedObject, status);
        }
    }

    /// <summary>
    /// GET {resource}/{name}/scale: the object seen as an autoscaling/v1 Scale, through the paths of its
    /// <see cref="ResourceType.Scale"/>, as the API server's scaleFromCustomResource reads it: replicas absent are 0, a
    /// selector absent is left out, and metadata is the object's name, namespace, uid, resourceVersion and creation time.
    /// </summary>
    public JsonObject GetScale(ResourceType type, string ns, string name)
    {
        lock (gate)
        {
            return ScaleOf(type, Find(type, ns, name));
        }
    }

    /// <summary>
    /// PUT or PATCH {resource}/{name}/scale: <paramref name="change"/> turns the current Scale into the new one (a PUT's
    /// body, or the patch applied), whose spec.replicas is written to the object's spec replicas path as an update of
    /// the main resource: a resourceVersion in the Scale's metadata is a precondition (409 when stale), the generation
    /// moves when the value does, and watchers see the object MODIFIED. Negative replicas are refused (422) as the API
    /// server's Scale validation does. Returns the Scale of the object as stored.
    /// </summary>
    public JsonObject UpdateScale(ResourceType type, string ns, string name, Func<JsonObject, JsonNode> change)
    {
        var paths = type.Scale ?? throw new ApiError(404, "NotFound", "the server could not find the requested resource");
        lock (gate)
        {
            var current = Find(type, ns, name);
            JsonNode changed;
            try
            {
                changed = change(ScaleOf(type, current));
            }
            catch (PatchFailedException e)
            {
                throw new ApiError(422, "Invalid", e.Message, type, name);
            }

            if (changed is not JsonObject scale || (scale["kind"]?.GetValue<string>() is { } kind && kind != "Scale"))
            {
                throw ApiError.BadRequest("the body of the request must be an autoscaling/v1 Scale");
            }

            // autoscaling/v1 ScaleSpec.replicas is an int32 that JSON leaves out when 0.
            var replicas = scale["spec"]?["replicas"] is JsonValue value ? value.GetValue<long>() : 0;
            if (replicas < 0)
            {
                throw new ApiError(422, "Invalid",
                    $"Scale.autoscaling \"{name}\" is invalid: spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0", type, name);
            }

            var next = (JsonObject)current.DeepClone();
            var steps = ScaleSubresource.Steps(paths.SpecReplicasPath);
            var parent = next;
            foreach (var step in steps[..^1])
            {
                parent = parent[step] as JsonObject ?? (JsonObject)(parent[step] = new JsonObject());
            }

            parent[steps[^1]] = replicas;
            if (scale["metadata"]?["resourceVersion"]?.GetValue<string>() is { Length: > 0 } precondition)
            {
                Meta(next)["resourceVersion"] = precondition;
            }

            return ScaleOf(type, Write(type, ns, name, current, next, status: false));
        }
    }

    private static JsonObject ScaleOf(ResourceType type, JsonObject obj)
    {
        var paths = type.Scale ?? throw new ApiError(404, "NotFound", "the server could not find the requested resource");
        var meta = Meta(obj);
        var spec = new JsonObject();
        if (At(obj, paths.SpecReplicasPath) is JsonValue specReplicas && specReplicas.GetValue<long>() != 0)
        {
            spec["replicas"] = specReplicas.GetValue<long>();
        }

        var status = new JsonObject { ["replicas"] = At(obj, paths.StatusReplicasPath) is JsonValue statusReplicas ? statusReplicas.GetValue<long>() : 0 };
        if (paths.LabelSelectorPath is { } selectorPath && At(obj, selectorPath) is JsonValue selector && selector.GetValue<string>() is { Length: > 0 } text)
        {
            status["selector"] = text;
        }

        var scaleMeta = new JsonObject();
        foreach (var field in new[] { "name", "namespace", "uid", "resourceVersion", "creationTimestamp" })
        {
            if (meta[field] is { } v)
            {
                scaleMeta[field] = v.DeepClone();
            }
        }

        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = scaleMeta,
            ["spec"] = spec,
            ["status"] = status,
        };
    }

    private static JsonNode? At(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var step in ScaleSubresource.Steps(path))
        {
            node = node is JsonObject o ? o[step] : null;
        }

        return node;
    }

    public (JsonObject Object, bool Gone) Delete(ResourceType type, string ns, string name, JsonObject? options)
    {
        JsonObject result;
        bool gone;
        lock (gate)
        {
            var current = Find(type, ns, name);
            CheckPreconditions(type, name, current, options?["preconditions"] as JsonObject);
            var finalizers = Meta(current)["finalizers"] as JsonArray;
            var grace = type == ResourceType.Pods ? PodGracePeriod(current, options) : 0;
            var pendingGrace = Meta(current)["deletionGracePeriodSeconds"]?.GetValue<long>();
            if (pendingGrace is { } pending && (grace >= pending || finalizers is { Count: > 0 } && grace == 0 && pending == 0))
            {
                // Already being deleted, no sooner than asked: nothing changes.
                return ((JsonObject)current.DeepClone(), false);
            }

            if (grace > 0 || finalizers is { Count: > 0 })
            {
                // Graceful (a pod on a node: the kubelet stops it, then deletes it with grace 0), or held by finalizers.
                // A second delete may shorten the grace period, never lengthen it.
                var marked = (JsonObject)current.DeepClone();
                Meta(marked)["deletionTimestamp"] = Timestamp(clock.GetUtcNow().AddSeconds(grace));
                Meta(marked)["deletionGracePeriodSeconds"] = grace;
                result = Commit(type, ns, name, current, marked)!;
                gone = false;
            }
            else
            {
                result = Remove(type, ns, name, current);
                gone = true;
            }
        }

        if (gone)
        {
            Removed?.Invoke(type, result);
        }

        return (result, gone);
    }

    /// <summary>Opens a watch; from "now" (with the current objects as ADDED) when no resourceVersion is given.</summary>
    public Watcher Watch(ResourceType type, string? ns, LabelSelector labels, FieldSelector fields, string? fromVersion)
    {
        var watcher = new Watcher(type, ns, labels, fields);
        lock (gate)
        {
            if (string.IsNullOrEmpty(fromVersion) || fromVersion == "0")
            {
                foreach (var ((t, objectNs, _), obj) in objects)
                {
                    if (watcher.Selects(t, objectNs, obj))
                    {
                        watcher.Send("ADDED", obj);
                    }
                }
            }
            else
            {
                if (!long.TryParse(fromVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var from))
                {
                    throw ApiError.BadRequest($"invalid resource version: {fromVersion}");
                }

                if (from < historyFloor)
                {
                    watcher.Fail(ApiError.Gone($"too old resource version: {from} ({historyFloor + 1})"));
                    return watcher;
                }

                foreach (var entry in history.Where(e => e.ResourceVersion > from))
                {
                    watcher.Offer(entry);
                }
            }

            watchers.Add(watcher);
        }

        return watcher;
    }

    public void Unwatch(Watcher watcher)
    {
        lock (gate)
        {
            watchers.Remove(watcher);
        }
    }

    /// <summary>Enqueues a bookmark in order with the watcher's events, so its resourceVersion covers all of them.</summary>
    public void Bookmark(Watcher watcher)
    {
        lock (gate)
        {
            watcher.SendBookmark(resourceVersion);
        }
    }

    /// <summary>Forgets all history, as an etcd compaction would: any watch from an older version gets 410.</summary>
    public void Compact()
    {
        lock (gate)
        {
            history.Clear();
            historyFloor = resourceVersion;
        }
    }

    /// <summary>How many watches are open (registered, receiving events).</summary>
    public int OpenWatches
    {
        get
        {
            lock (gate)
            {
                return watchers.Count;
            }
        }
    }

    /// <summary>Ends every open watch, as an API server restart or a load balancer timeout would.</summary>
    public void CloseAllWatches()
    {
        lock (gate)
        {
            foreach (var w in watchers)
            {
                w.Lines.Writer.TryComplete();
            }

            watchers.Clear();
        }
    }

    /// <summary>Whether an object of this UID exists (being deleted or not).</summary>
    public bool Exists(string uid)
    {
        lock (gate)
        {
            return objects.Values.Any(o => o["metadata"]?["uid"]?.GetValue<string>() == uid);
        }
    }

    public List<(ResourceType Type, string Namespace, string Name)> FindOwnedBy(string ownerUid)
    {
        lock (gate)
        {
            return objects.Where(kv => kv.Value["metadata"]?["ownerReferences"] is JsonArray refs &&
                                       refs.Any(r => r?["uid"]?.GetValue<string>() == ownerUid))
                .Select(kv => kv.Key).ToList();
        }
    }

    private JsonObject Write(ResourceType type, string ns, string name, JsonObject current, JsonObject body, bool status)
    {
        var currentMeta = Meta(current);
        var bodyVersion = Meta(body)["resourceVersion"]?.GetValue<string>();
        if (!string.IsNullOrEmpty(bodyVersion) && bodyVersion != currentMeta["resourceVersion"]!.GetValue<string>())
        {
            throw ApiError.Conflict(type, name);
        }

        if (Meta(body)["uid"]?.GetValue<string>() is { Length: > 0 } uid && uid != currentMeta["uid"]!.GetValue<string>())
        {
            throw ApiError.Conflict(type, name);
        }

        JsonObject next;
        if (status)
        {
            // /status ignores everything but the status stanza.
            next = (JsonObject)current.DeepClone();
            next["status"] = body["status"]?.DeepClone();
        }
        else
        {
            next = (JsonObject)body.DeepClone();
            next["kind"] = type.Kind;
            next["apiVersion"] = type.ApiVersion;
            var meta = Meta(next);
            foreach (var managed in new[] { "name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation" })
            {
                meta[managed] = currentMeta[managed]?.DeepClone();
                if (meta[managed] is null)
                {
                    meta.Remove(managed);
                }
            }

            if (type.HasStatusSubresource)
            {
                // The main resource ignores status changes.
                next["status"] = current["status"]?.DeepClone();
            }

            if (currentMeta["deletionTimestamp"] is not null && AddsFinalizer(currentMeta, meta))
            {
                throw new ApiError(422, "Forbidden", $"{type.Kind} \"{name}\" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted", type, name);
            }

            if (type.HasGeneration && !JsonNode.DeepEquals(current["spec"], next["spec"]))
            {
                meta["generation"] = long.Parse(currentMeta["generation"]?.ToString() ?? "0", CultureInfo.InvariantCulture) + 1;
            }
        }

        if (next["status"] is null)
        {
            next.Remove("status");
        }

        Meta(next)["resourceVersion"] = currentMeta["resourceVersion"]!.DeepClone();
        if (JsonNode.DeepEquals(current, next))
        {
            return (JsonObject)current.DeepClone(); // a no-op write changes nothing, not even the resourceVersion
        }

        // As the real registry's shouldDeleteDuringUpdate: the last finalizer gone from an object whose deletion has no
        // grace period left to run (a pod still terminating stays until the kubelet deletes it with grace 0).
        if (Meta(next)["deletionTimestamp"] is not null && Meta(next)["finalizers"] is not JsonArray { Count: > 0 } &&
            (currentMeta["deletionGracePeriodSeconds"]?.GetValue<long>() ?? 0) == 0)
        {
            var removed = Remove(type, ns, name, next);
            ThreadPool.QueueUserWorkItem(_ => Removed?.Invoke(type, removed));
            return removed;
        }

        return Commit(type, ns, name, current, next)!;
    }

    /// <summary>
    /// The grace period of a pod's deletion, as the pod registry's CheckGracefulDelete works it out: the request's
    /// gracePeriodSeconds, else the pod's terminationGracePeriodSeconds (30 when unset, the API's default); 0 for a
    /// pod no node runs (never scheduled) or one that ended; a negative request means 1.
    /// </summary>
    private static long PodGracePeriod(JsonObject pod, JsonObject? options)
    {
        var grace = options?["gracePeriodSeconds"]?.GetValue<long>() ?? pod["spec"]?["terminationGracePeriodSeconds"]?.GetValue<long>() ?? 30;
        if (pod["spec"]?["nodeName"]?.GetValue<string>() is not { Length: > 0 } || pod["status"]?["phase"]?.GetValue<string>() is "Succeeded" or "Failed")
        {
            grace = 0;
        }

        return grace < 0 ? 1 : grace;
    }

    private static bool AddsFinalizer(JsonObject currentMeta, JsonObject nextMeta)
    {
        var before = (currentMeta["finalizers"] as JsonArray)?.Select(f => f!.GetValue<string>()).ToHashSet() ?? [];
        var after = (nextMeta["finalizers"] as JsonArray)?.Select(f => f!.GetValue<string>()) ?? [];
        return after.Any(f => !before.Contains(f));
    }

    private static void CheckPreconditions(ResourceType type, string name, JsonObject current, JsonObject? preconditions)
    {
        var meta = Meta(current);
        if (preconditions?["uid"]?.GetValue<string>() is { } uid && uid != meta["uid"]!.GetValue<string>())
        {
            throw new ApiError(409, "Conflict",
                $"Operation cannot be fulfilled on {type.Describe()} \"{name}\": Precondition failed: UID in precondition: {uid}, UID in object meta: {meta["uid"]}", type, name);
        }

        if (preconditions?["resourceVersion"]?.GetValue<string>() is { } rv && rv != meta["resourceVersion"]!.GetValue<string>())
        {
            throw new ApiError(409, "Conflict",
                $"Operation cannot be fulfilled on {type.Describe()} \"{name}\": Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {meta["resourceVersion"]}", type, name);
        }
    }

    private JsonObject Find(ResourceType type, string ns, string name) =>
        objects.TryGetValue((type, ns, name), out var obj) ? obj : throw ApiError.NotFound(type, name);

    private JsonObject Remove(ResourceType type, string ns, string name, JsonObject last)
    {
        var final = (JsonObject)last.DeepClone();
        Meta(final)["resourceVersion"] = (++resourceVersion).ToString(CultureInfo.InvariantCulture);
        objects.Remove((type, ns, name));
        Record(new HistoryEntry(resourceVersion, type, ns, final, null));
        return (JsonObject)final.DeepClone();
    }

    private JsonObject? Commit(ResourceType type, string ns, string name, JsonObject? old, JsonObject next)
    {
        Meta(next)["resourceVersion"] = (++resourceVersion).ToString(CultureInfo.InvariantCulture);
        objects[(type, ns, name)] = next;
        Record(new HistoryEntry(resourceVersion, type, ns, old, next));
        var owners = Meta(next)["ownerReferences"];
        if (owners is JsonArray { Count: > 0 } && (old is null || !JsonNode.DeepEquals(owners, Meta(old)["ownerReferences"])))
        {
            var committed = (JsonObject)next.DeepClone();
            ThreadPool.QueueUserWorkItem(_ => OwnersSet?.Invoke(type, committed));
        }

        return (JsonObject)next.DeepClone();
    }

    private void Record(HistoryEntry entry)
    {
        history.AddLast(entry);
        while (history.Count > historyLimit)
        {
            historyFloor = history.First!.Value.ResourceVersion;
            history.RemoveFirst();
        }

        foreach (var watcher in watchers)
        {
            watcher.Offer(entry);
        }
    }

    private static JsonObject Meta(JsonObject obj) =>
        obj["metadata"] as JsonObject ?? (JsonObject)(obj["metadata"] = new JsonObject());

    private string Now() => Timestamp(clock.GetUtcNow());

    private static string Timestamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
