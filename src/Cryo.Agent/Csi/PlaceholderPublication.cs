using System.Security.Cryptography;
using Cryo.Agent.Containers;
using Microsoft.Extensions.Options;

namespace Cryo.Agent.Csi;

/// <summary>
/// The read-only directory every placeholder volume shows: the placeholder program and an empty <c>handoff</c>
/// directory, the mount point of the restore pod's writable emptyDir where the agent hands the placeholder the
/// restored root's PID. Published at start under <see cref="CsiOptions.PublishDirectory"/>, in a directory named
/// for the program's SHA-256, built beside it and renamed into place: a volume never sees a half-written program,
/// and an agent update publishes a new directory instead of changing the one running pods have mounted. Directories
/// of earlier builds are removed once no volume shows them (<see cref="PublishedDirectories"/>).
/// </summary>
public sealed class PlaceholderPublication(IOptions<CsiOptions> options, ILogger<PlaceholderPublication> logger) : IHostedService
{
    /// <summary>The program's name in the published directory (the restore pod runs it from its mount path).</summary>
    public const string ProgramName = "cryo-placeholder";

    /// <summary>The mount point, in the published directory, of the pod's handoff emptyDir.</summary>
    public const string HandoffDirectoryName = "handoff";

    private const UnixFileMode Executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private volatile string? _directory;

    /// <summary>The directory volumes bind-mount; null until published.</summary>
    public string? Directory => _directory;

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Enabled)
        {
            _directory = await PublishAsync(options.Value.PlaceholderProgram, options.Value.PublishDirectory, cancellationToken);
            logger.LogInformation("placeholder published at {Directory} for CSI driver {Driver}", _directory, options.Value.DriverName);
            // Earlier builds' directories that no pod shows any more (and half-built ones): the rest go once unpublished.
            var mounts = MountInfo.ParseAll(await File.ReadAllTextAsync("/proc/self/mountinfo", cancellationToken));
            foreach (var removed in PublishedDirectories.RemoveUnused(options.Value.PublishDirectory, _directory, mounts))
            {
                logger.LogInformation("removed {Directory}: an earlier placeholder no volume shows any more", removed);
            }
        }
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Publishes <paramref name="program"/> under <paramref name="root"/> and returns the directory.</summary>
    public static async Task<string> PublishAsync(string program, string root, CancellationToken cancellationToken)
    {
        var bytes = await File.ReadAllBytesAsync(program, cancellationToken);
        var version = Convert.ToHexStringLower(SHA256.HashData(bytes))[..16];
        var directory = Path.Combine(root, version);
        System.IO.Directory.CreateDirectory(root, Executable);
        if (System.IO.Directory.Exists(directory))
        {
            var published = Path.Combine(directory, ProgramName);
            if (File.Exists(published) && (await File.ReadAllBytesAsync(published, cancellationToken)).AsSpan().SequenceEqual(bytes)
                && System.IO.Directory.Exists(Path.Combine(directory, HandoffDirectoryName)))
            {
                return directory;
            }

            throw new InvalidOperationException($"{directory} holds something other than the placeholder program it is named for; remove it (no restore pod on this node may have it mounted) and restart the agent");
        }

        var building = Path.Combine(root, $".new-{Guid.NewGuid():N}");
        try
        {
            System.IO.Directory.CreateDirectory(building, Executable);
            var target = Path.Combine(building, ProgramName);
            await File.WriteAllBytesAsync(target, bytes, cancellationToken);
            File.SetUnixFileMode(target, Executable);
            System.IO.Directory.CreateDirectory(Path.Combine(building, HandoffDirectoryName), Executable);
            File.SetUnixFileMode(building, Executable); // not the umask's: every workload user must reach the program
            System.IO.Directory.Move(building, directory);
        }
        catch
        {
            if (System.IO.Directory.Exists(building))
            {
                System.IO.Directory.Delete(building, recursive: true);
            }

            throw;
        }

        return directory;
    }
}
