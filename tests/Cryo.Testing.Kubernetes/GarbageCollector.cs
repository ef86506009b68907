using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Cryo.Testing.Kubernetes;

/// <summary>
/// Stands in for kube-controller-manager's garbage collector: when an object is gone, its dependents
/// (objects whose ownerReferences name its UID) are deleted in the background; and an object given owner references
/// none of which names an object that exists (its owners went before it was created or re-owned, as when a controller's
/// pass raced its owner's deletion) is deleted too, as the real collector does with dependents whose owners are all
/// absent.
/// </summary>
internal sealed class GarbageCollector : IAsyncDisposable
{
    private readonly Channel<Action> work = Channel.CreateUnbounded<Action>();
    private readonly ResourceStore store;
    private readonly Task loop;

    public GarbageCollector(ResourceStore store)
    {
        this.store = store;
        store.Removed += (_, obj) =>
        {
            if (obj["metadata"]?["uid"]?.GetValue<string>() is { } uid)
            {
                work.Writer.TryWrite(() => DeleteDependentsOf(uid));
            }
        };
        store.OwnersSet += (type, obj) => work.Writer.TryWrite(() => DeleteIfOrphaned(type, obj));
        loop = Task.Run(RunAsync);
    }

    public async ValueTask DisposeAsync()
    {
        work.Writer.TryComplete();
        await loop;
    }

    private async Task RunAsync()
    {
        await foreach (var item in work.Reader.ReadAllAsync())
        {
            item();
        }
    }

    private void DeleteDependentsOf(string uid)
    {
        foreach (var (type, ns, name) in store.FindOwnedBy(uid))
        {
            Delete(type, ns, name, uid: null);
        }
    }

    /// <summary>
    /// Deletes <paramref name="obj"/> when none of its owners exists. An owner of a kind this server does not serve (a
    /// test's made-up ReplicaSet) cannot be looked up, and counts as existing.
    /// </summary>
    private void DeleteIfOrphaned(ResourceType type, JsonObject obj)
    {
        var meta = obj["metadata"]!;
        var owners = (meta["ownerReferences"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (owners.Count > 0 && owners.All(o => IsServed(o) && o["uid"]?.GetValue<string>() is { } uid && !store.Exists(uid)))
        {
            Delete(type, meta["namespace"]!.GetValue<string>(), meta["name"]!.GetValue<string>(), meta["uid"]!.GetValue<string>());
        }
    }

    private static bool IsServed(JsonObject owner) =>
        ResourceType.All.Any(t => t.ApiVersion == owner["apiVersion"]?.GetValue<string>() && t.Kind == owner["kind"]?.GetValue<string>());

    /// <summary>Deletes in the background; with <paramref name="uid"/>, only that object, not another made under its name since.</summary>
    private void Delete(ResourceType type, string ns, string name, string? uid)
    {
        var options = new JsonObject { ["propagationPolicy"] = "Background" };
        if (uid is not null)
        {
            options["preconditions"] = new JsonObject { ["uid"] = uid };
        }

        try
        {
            store.Delete(type, ns, name, options);
        }
        catch (ApiError e) when (e.Code is 404 or 409)
        {
            // Deleted or replaced by someone else meanwhile: nothing left to collect.
        }
    }
}
