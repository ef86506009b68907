using Cryo.CommandLine;
using Cryo.Contracts.Agent.V1;
using Grpc.Core;

namespace Cryo.Cli;

/// <summary>
/// <c>cryo export NAME [-f FILE]</c>: the checkpoint as the kubelet's checkpoint archive (the .tar checkpointctl reads and
/// CRI-O and containerd restore from), on standard output or into FILE. A file appears only once complete.
/// </summary>
public static class ExportVerb
{
    /// <summary>Options taking a value.</summary>
    public static readonly string[] Options = ["--file"];

    /// <summary>One line of help.</summary>
    public const string Usage = "cryo export NAME [--namespace NS] [-f FILE]   (the kubelet's checkpoint archive, .tar; standard output unless -f)";

    /// <summary>Streams the archive.</summary>
    public static async Task<int> RunAsync(ParsedArguments args, CliContext context)
    {
        var reference = context.NamedCheckpoint(args);
        var file = args.Value("--file") is { } path && path != "-" ? path : null;
        if (file is null && context.StandardOutputIsTerminal)
        {
            throw new UsageException("refusing to write a binary archive to a terminal: redirect standard output (> FILE.tar) or give -f FILE.tar");
        }

        var partial = file is null ? null : file + ".partial";
        try
        {
            await using (var output = partial is null ? null : new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                var target = output ?? context.StandardOutput();
                using var call = context.Archives.ExportCheckpoint(new ExportCheckpointRequest { Checkpoint = reference }, context.TransferCall());
                long bytes = 0;
                await foreach (var chunk in call.ResponseStream.ReadAllAsync(context.CancellationToken))
                {
                    await target.WriteAsync(chunk.Data.Memory, context.CancellationToken);
                    bytes += chunk.Data.Length;
                }

                await target.FlushAsync(context.CancellationToken);
                if (file is not null)
                {
                    await context.Error.WriteLineAsync($"exported {reference.Namespace}/{reference.Name} to {file} ({Units.Bytes(bytes)})");
                }
            }

            if (partial is not null)
            {
                File.Move(partial, file!, overwrite: true);
            }
        }
        catch
        {
            if (partial is not null)
            {
                File.Delete(partial);
            }

            throw;
        }

        return ExitCodes.Success;
    }
}
