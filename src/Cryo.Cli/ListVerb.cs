using Cryo.CommandLine;
using Cryo.Contracts.Agent.V1;

namespace Cryo.Cli;

/// <summary><c>cryo ls [--namespace NS]</c>: every namespace unless one is named.</summary>
public static class ListVerb
{
    /// <summary>One line of help.</summary>
    public const string Usage = "cryo ls [--namespace NS]";

    /// <summary>Lists and prints a table.</summary>
    public static async Task<int> RunAsync(ParsedArguments args, CliContext context)
    {
        args.NoPositionals();
        var response = await context.Agent.ListCheckpointsAsync(
            new ListCheckpointsRequest { Namespace = args.Value("--namespace") ?? string.Empty }, context.QuickCall());
        context.Print(response, o =>
        {
            var rows = response.Checkpoints.Select(c => new[]
            {
                c.Checkpoint.Namespace, c.Checkpoint.Name, Units.Bytes(c.SizeBytes), $"{c.ProcessCount}",
                c.CreatedAt?.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty,
                c.NodeName,
            }).ToList();
            Table.Write(o, ["NAMESPACE", "NAME", "SIZE", "PROCESSES", "CREATED", "NODE"], rows);
            if (rows.Count == 0)
            {
                o.WriteLine("(no checkpoints)");
            }
        });
        return 0;
    }
}
