using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Cryo.Testing.Kubernetes;

/// <summary>
/// One open watch: what it selects and the queue of serialized watch events the HTTP response drains.
/// Events are only enqueued under the store's lock, so their order is the commit order.
/// </summary>
internal sealed class Watcher(ResourceType type, string? ns, LabelSelector labels, FieldSelector fields)
{
    public ResourceType Type { get; } = type;

    public Channel<string> Lines { get; } = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    public bool Selects(ResourceType type, string objectNamespace, JsonObject? obj) =>
        obj is not null && type == Type && (ns is null || ns == objectNamespace) && labels.Matches(obj) && fields.Matches(obj);

    /// <summary>Enqueues what this watcher sees of a change: ADDED/MODIFIED/DELETED, also when the object enters or leaves its selection.</summary>
    public void Offer(HistoryEntry entry)
    {
        var before = Selects(entry.Type, entry.Namespace, entry.Old);
        var after = Selects(entry.Type, entry.Namespace, entry.New);
        var kind = (before, after) switch
        {
            (false, true) => "ADDED",
            (true, true) => "MODIFIED",
            (true, false) => "DELETED",
            _ => null,
        };
        if (kind is not null)
        {
            Send(kind, entry.New ?? WithVersion(entry.Old!, entry.ResourceVersion));
        }
    }

    public void Send(string type, JsonObject obj) =>
        Lines.Writer.TryWrite(new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString());

    public void SendBookmark(long resourceVersion) =>
        Send("BOOKMARK", new JsonObject
        {
            ["kind"] = Type.Kind,
            ["apiVersion"] = Type.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion.ToString() },
        });

    public void Fail(ApiError error)
    {
        Lines.Writer.TryWrite(new JsonObject { ["type"] = "ERROR", ["object"] = error.ToStatus() }.ToJsonString());
        Lines.Writer.TryComplete();
    }

    private static JsonObject WithVersion(JsonObject obj, long resourceVersion)
    {
        var copy = (JsonObject)obj.DeepClone();
        copy["metadata"]!["resourceVersion"] = resourceVersion.ToString();
        return copy;
    }
}
