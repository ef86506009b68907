using Cryo.CommandLine;
using Cryo.Contracts.Agent.V1;

namespace Cryo.Cli;

/// <summary><c>cryo rm NAME</c>: deleting a missing checkpoint succeeds and says so.</summary>
public static class RemoveVerb
{
    /// <summary>One line of help.</summary>
    public const string Usage = "cryo rm NAME [--namespace NS]";

    /// <summary>Deletes and prints what happened.</summary>
    public static async Task<int> RunAsync(ParsedArguments args, CliContext context)
    {
        var reference = context.NamedCheckpoint(args);
        var response = await context.Agent.DeleteCheckpointAsync(new DeleteCheckpointRequest { Checkpoint = reference }, context.QuickCall());
        context.Print(response, o => o.WriteLine(response.Deleted
            ? $"deleted {reference.Namespace}/{reference.Name} ({Units.Bytes(response.FreedBytes)} freed)"
            : $"{reference.Namespace}/{reference.Name} did not exist; nothing deleted"));
        return 0;
    }
}
