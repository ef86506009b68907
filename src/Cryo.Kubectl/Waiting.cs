using System.Text.Json.Nodes;
using Cryo.CommandLine;

namespace Cryo.Kubectl;

/// <summary>--wait for Checkpoints and Restores: until they finish, with a progress line, then one line or the object.</summary>
public static class Waiting
{
    /// <summary>The object once finished; null once deleted.</summary>
    /// <exception cref="WaitTimedOutException">The --timeout passed first.</exception>
    public static Task<JsonObject?> ForAsync(PluginContext context, CryoKinds.Kind kind, string name, string subject)
    {
        ArgumentNullException.ThrowIfNull(context);
        return UntilAsync(context, kind, name, o => CryoKinds.IsFinished(Json.String(o, "status", "phase")), subject, "Pending",
            $"gave up waiting for {subject} after {context.Timeout.TotalSeconds:0} s: it goes on in the cluster; "
            + $"see kubectl get {kind.Plural}.{CryoKinds.Group} {name} -n {context.Namespace}");
    }

    /// <summary>
    /// Follows the object within --timeout until <paramref name="done"/> holds (the object) or it is gone (null), with a
    /// progress line for <paramref name="subject"/> starting at <paramref name="initial"/>.
    /// </summary>
    /// <exception cref="WaitTimedOutException">The --timeout passed first; its message is <paramref name="timedOut"/>.</exception>
    public static async Task<JsonObject?> UntilAsync(PluginContext context, CryoKinds.Kind kind, string name, Func<JsonObject, bool> done,
        string subject, string initial, string timedOut)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        timeout.CancelAfter(context.Timeout);
        using var progress = new ProgressLine(context.Error, subject, initial);
        try
        {
            return await Waiter.UntilAsync(context, kind, name, done, progress, timeout.Token);
        }
        catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested)
        {
            throw new WaitTimedOutException(timedOut);
        }
    }

    /// <summary>Prints the finished object; the exit code says whether it succeeded.</summary>
    public static int Report(PluginContext context, CryoKinds.Kind kind, string name, JsonObject? finished, Func<JsonObject, string> describe)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(describe);
        if (finished is null)
        {
            context.Error.WriteLine($"error: {kind.Qualified(name)} was deleted while waiting");
            return ExitCodes.Failed;
        }

        var succeeded = Json.String(finished, "status", "phase") == "Succeeded";
        context.Print(finished, o => o.WriteLine(succeeded
            ? $"{kind.Qualified(name)} succeeded: {describe(finished)}"
            : $"{kind.Qualified(name)} failed: {Json.String(finished, "status", "message") ?? "no message"}"));
        if (!succeeded && context.Format != OutputFormat.Text)
        {
            context.Error.WriteLine($"error: {kind.Qualified(name)} failed: {Json.String(finished, "status", "message") ?? "no message"}");
        }

        return succeeded ? ExitCodes.Success : ExitCodes.Failed;
    }
}
