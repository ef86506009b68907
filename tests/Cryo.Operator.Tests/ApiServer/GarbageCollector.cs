using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Cryo.Operator.Tests.ApiServer;

/// <summary>
/// Stands in for kube-controller-manager's garbage collector: when an object is gone, its dependents
/// (objects whose ownerReferences name its UID) are deleted in the background.
/// </summary>
internal sealed class GarbageCollector : IAsyncDisposable
{
    private readonly Channel<string> owners = Channel.CreateUnbounded<string>();
    private readonly ResourceStore store;
    private readonly Task loop;

    public GarbageCollector(ResourceStore store)
    {
        this.store = store;
        store.Removed += (_, obj) =>
        {
            if (obj["metadata"]?["uid"]?.GetValue<string>() is { } uid)
            {
                owners.Writer.TryWrite(uid);
            }
        };
        loop = Task.Run(RunAsync);
    }

    public async ValueTask DisposeAsync()
    {
        owners.Writer.TryComplete();
        await loop;
    }

    private async Task RunAsync()
    {
        await foreach (var uid in owners.Reader.ReadAllAsync())
        {
            foreach (var (type, ns, name) in store.FindOwnedBy(uid))
            {
                try
                {
                    store.Delete(type, ns, name, new JsonObject { ["propagationPolicy"] = "Background" });
                }
                catch (ApiError e) when (e.Code == 404)
                {
                    // Deleted by someone else meanwhile: nothing left to collect.
                }
            }
        }
    }
}
