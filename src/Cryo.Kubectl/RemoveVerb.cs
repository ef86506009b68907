using System.Text.Json.Nodes;
using Cryo.CommandLine;

namespace Cryo.Kubectl;

/// <summary><c>kubectl cryo rm CHECKPOINT...</c>: deletes Checkpoints (their images go with them); --wait until they are gone.</summary>
public static class RemoveVerb
{
    /// <summary>One line of usage.</summary>
    public const string Usage = "kubectl cryo rm CHECKPOINT... [--ignore-not-found] [--wait]";

    /// <summary>Flags.</summary>
    public static readonly string[] Flags = ["--ignore-not-found", "--wait"];

    /// <summary>Deletes each; a missing one is an error unless --ignore-not-found.</summary>
    public static async Task<int> RunAsync(ParsedArguments args, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);
        if (args.Positionals.Count == 0)
        {
            throw new UsageException("'kubectl cryo rm' needs the names of the checkpoints to delete");
        }

        var exit = ExitCodes.Success;
        var results = new JsonArray();
        foreach (var name in args.Positionals)
        {
            var deleted = await context.Objects.DeleteAsync(CryoKinds.Checkpoint, context.Namespace, name, context.CancellationToken);
            if (!deleted && !args.Flag("--ignore-not-found"))
            {
                await context.Error.WriteLineAsync($"error: checkpoint {context.Namespace}/{name} does not exist");
                exit = ExitCodes.Failed;
                continue;
            }

            if (deleted && args.Flag("--wait"))
            {
                // The finalizer keeps the object until the agent has deleted the images.
                await Waiting.UntilAsync(context, CryoKinds.Checkpoint, name, _ => false, $"delete checkpoint {context.Namespace}/{name}", "deleting the images",
                    $"gave up waiting for checkpoint {context.Namespace}/{name} to go after {context.Timeout.TotalSeconds:0} s: "
                    + "its finalizer waits for the agent to delete the images (kubectl describe shows why)");
            }

            results.Add((JsonNode)new JsonObject { ["name"] = name, ["deleted"] = deleted });
            if (context.Format == OutputFormat.Text)
            {
                await context.Out.WriteLineAsync(deleted ? $"{CryoKinds.Checkpoint.Qualified(name)} deleted" : $"{CryoKinds.Checkpoint.Qualified(name)} not found");
            }
        }

        if (context.Format != OutputFormat.Text)
        {
            context.Print(new JsonObject { ["deleted"] = results }, _ => { });
        }

        return exit;
    }
}
