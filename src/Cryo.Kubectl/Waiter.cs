using System.Net;
using System.Text.Json.Nodes;
using Cryo.CommandLine;

namespace Cryo.Kubectl;

/// <summary>
/// Waits on one object through the API server's watch (no polling): reads it, then follows its changes until
/// <c>done</c> holds or it is deleted, showing each new state on the progress line.
/// </summary>
public static class Waiter
{
    /// <summary>The object once <paramref name="done"/> holds, or null once it is gone.</summary>
    /// <exception cref="OperationCanceledException">The context's timeout or Ctrl+C came first.</exception>
    public static async Task<JsonObject?> UntilAsync(PluginContext context, CryoKinds.Kind kind, string name,
        Func<JsonObject, bool> done, ProgressLine progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(done);
        ArgumentNullException.ThrowIfNull(progress);
        while (true)
        {
            var current = await context.Objects.GetAsync(kind, context.Namespace, name, cancellationToken);
            if (current is null)
            {
                return null;
            }

            progress.Report(Describe(current));
            if (done(current))
            {
                return current;
            }

            try
            {
                await foreach (var (type, changed) in context.Objects.WatchAsync(kind, context.Namespace, name,
                    Json.String(current, "metadata", "resourceVersion") ?? "0", cancellationToken))
                {
                    if (type == "DELETED")
                    {
                        return null;
                    }

                    progress.Report(Describe(changed));
                    if (done(changed))
                    {
                        return changed;
                    }
                }
            }
            catch (ApiException e) when (e.Status == HttpStatusCode.Gone)
            {
                // Too old to watch from: read it again and watch from there.
            }
        }
    }

    /// <summary>A Cryo object's state in a few words: its phase and its status message.</summary>
    public static string Describe(JsonObject item)
    {
        var phase = Json.String(item, "status", "phase") ?? "Pending";
        return Json.String(item, "status", "message") is { Length: > 0 } message ? $"{phase}: {message}" : phase;
    }
}
