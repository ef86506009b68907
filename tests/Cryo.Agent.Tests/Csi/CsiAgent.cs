using Cryo.Agent.Tests.Grpc;

namespace Cryo.Agent.Tests.Csi;

/// <summary>A real agent with its CSI driver on, its sockets and published directory in a temporary directory of its own.</summary>
public sealed class CsiAgent : IAsyncDisposable
{
    private CsiAgent(InProcessAgent agent, string directory)
    {
        Agent = agent;
        Directory = directory;
    }

    private bool _stopped;

    public InProcessAgent Agent { get; }

    /// <summary>Holds the sockets and the published directory.</summary>
    public string Directory { get; }

    public string CsiSocket => Path.Combine(Directory, "plugins", "placeholder.cryo.io", "csi.sock");

    public string RegistrationSocket => Path.Combine(Directory, "plugins_registry", "placeholder.cryo.io-reg.sock");

    public string PublishDirectory => Path.Combine(Directory, "plugins", "placeholder.cryo.io", "published");

    /// <summary>Starts an agent serving the driver, publishing <paramref name="program"/>.</summary>
    public static async Task<CsiAgent> StartAsync(string program, string? directory = null)
    {
        directory ??= System.IO.Directory.CreateTempSubdirectory("cryo-csi-").FullName;
        var paths = new CsiAgent(null!, directory);
        var agent = await InProcessAgent.StartAsync(settings =>
        {
            settings["Csi:Enabled"] = "true";
            settings["Csi:SocketPath"] = paths.CsiSocket;
            settings["Csi:RegistrationSocketPath"] = paths.RegistrationSocket;
            settings["Csi:PublishDirectory"] = paths.PublishDirectory;
            settings["Csi:PlaceholderProgram"] = program;
        });
        return new CsiAgent(agent, directory);
    }

    /// <summary>Stops the agent, keeping the directory (a restarted agent may reuse it).</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await Agent.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
