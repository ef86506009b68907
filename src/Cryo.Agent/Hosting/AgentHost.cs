using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Cryo.Agent.Containers;
using Cryo.Agent.Csi;
using Cryo.Agent.Checkpointing;
using Cryo.Agent.Grpc;
using Cryo.Agent.Preflight;
using Cryo.Agent.Metrics;
using Cryo.Agent.Operations;
using Cryo.Agent.Recovery;
using Cryo.Agent.Security;
using Cryo.Agent.Store;
using Cryo.Agent.Transfer;
using Cryo.Criu;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Prometheus;

namespace Cryo.Agent.Hosting;

/// <summary>
/// Assembles the agent: configuration (files, environment, command-line switches), the gRPC service on a
/// Unix socket and optionally a mutual-TLS TCP port, probes and metrics. <c>Program.cs</c> and the
/// tests build the agent the same way; they differ only in the engines they register.
/// </summary>
public static class AgentHost
{
    // How much a connection may hold unsent before its writer waits (Kestrel's and the socket transport's limits).
    private const int SendBufferBytes = 4 * 1024 * 1024;

    /// <summary>Builds the agent.</summary>
    /// <param name="args">Command-line arguments (see <see cref="AgentCommandLine"/>).</param>
    /// <param name="customize">
    /// Registers the engines (<see cref="ICheckpointEngine"/>, <see cref="IRestoreEngine"/>) and may add
    /// configuration or replace defaults (catalog, node info, CRIU) before the agent's own registrations,
    /// which only fill what is missing.
    /// </param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder> customize)
    {
        ArgumentNullException.ThrowIfNull(customize);
        // appsettings.json sits beside the binary, wherever the agent is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddCommandLine(args, new Dictionary<string, string>(AgentCommandLine.SwitchMappings));
        customize(builder);
        AddAgentServices(builder.Services, builder.Configuration);
        builder.WebHost.ConfigureKestrel((_, kestrel) => ConfigureListeners(kestrel));
        // A checkpoint stream sends hundreds of MiB: with the 64 KiB defaults the sending thread stops every
        // 64 KiB until the socket's has drained it, and on a busy node each such hand-over waits for a time slice.
        builder.WebHost.UseSockets(sockets => sockets.MaxWriteBufferSize = SendBufferBytes);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxResponseBufferSize = SendBufferBytes);

        var app = builder.Build();
        app.UseRouting();
        app.UseMiddleware<CallerAuthorizationMiddleware>();
        app.MapGrpcService<AgentGrpcService>();
        app.MapGrpcService<TransferGrpcService>();
        app.MapGet(CheckpointBytesEndpoint.Pattern, CheckpointBytesEndpoint.HandleAsync).WithMetadata(CheckpointBytesEndpoint.Metadata);
        app.MapGrpcService<ArchiveGrpcService>();
        app.MapGrpcService<CsiIdentityService>();
        app.MapGrpcService<CsiNodeService>();
        app.MapGrpcService<PluginRegistrationService>();
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", async (ReadinessProbe probe, CancellationToken cancellationToken) =>
        {
            var (ready, problems) = await probe.CheckAsync(cancellationToken);
            return ready
                ? Results.Text("ready\n")
                : Results.Text("not ready:\n" + string.Concat(problems.Select(p => $"- {p}\n")), statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        app.MapMetrics("/metrics", app.Services.GetRequiredService<CollectorRegistry>());
        return app;
    }

    private static void AddAgentServices(IServiceCollection services, ConfigurationManager configuration)
    {
        if (!services.Any(s => s.ServiceType == typeof(ICheckpointEngine)) || !services.Any(s => s.ServiceType == typeof(IRestoreEngine)))
        {
            throw new InvalidOperationException("register an ICheckpointEngine and an IRestoreEngine before building the agent");
        }

        services.AddOptions<AgentOptions>().Bind(configuration.GetSection(AgentOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<CsiOptions>().Bind(configuration.GetSection(CsiOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CsiOptions>, CsiOptionsValidator>();
        services.TryAddSingleton<PlaceholderPublication>();
        services.AddHostedService(sp => sp.GetRequiredService<PlaceholderPublication>());
        services.TryAddSingleton<PlaceholderMounts>();
        services.TryAddSingleton<PluginRegistrationService>();
        // The one reader of /proc (the node's, with hostPID): resolution, the engines and recovery share it.
        services.TryAddSingleton(_ => new ProcFs());

        if (!services.Any(s => s.ServiceType == typeof(ICheckpointCatalog)))
        {
            services.AddOptions<ImageStoreOptions>().Bind(configuration.GetSection(ImageStoreOptions.SectionName)).ValidateOnStart();
            services.AddSingleton<IValidateOptions<ImageStoreOptions>, StoreOptionsValidator>();

            // The store tells its own temporary entries from other nodes' by owner: the node, unless set.
            services.AddOptions<ImageStoreOptions>().PostConfigure<IOptions<AgentOptions>>((store, agent) =>
            {
                if (string.IsNullOrEmpty(store.OwnerId))
                {
                    store.OwnerId = agent.Value.NodeName.ToLowerInvariant();
                }
            });
            services.TryAddSingleton<ImageStore>();
            services.AddSingleton<ICheckpointCatalog, ImageStoreCatalog>();
            services.AddHostedService<StoreRecovery>();
            services.TryAddSingleton<CheckpointPulls>();
        }

        services.TryAddSingleton<ICriu>(sp => new CriuCli(sp.GetRequiredService<IOptions<AgentOptions>>().Value.CriuPath, sp.GetRequiredService<ILogger<CriuCli>>()));
        services.TryAddSingleton<CriuMonitor>();
        services.TryAddSingleton<CriuFacts>();
        services.TryAddSingleton<CriImages>();
        services.TryAddSingleton<RestorePreflight>();
        services.TryAddSingleton<INodeInfoProvider>(sp => sp.GetRequiredService<CriuMonitor>());
        services.AddHostedService<CriuStartupCheck>();
        services.AddHostedService<UnixSocketLifecycle>();
        services.TryAddSingleton<ReadinessProbe>();

        services.TryAddSingleton(_ => Prometheus.Metrics.NewCustomRegistry());
        services.TryAddSingleton(sp => CreateMetrics(sp));
        services.TryAddSingleton(sp => new OperationGate(sp.GetRequiredService<IOptions<AgentOptions>>().Value.MaxParallelOperations));
        services.TryAddSingleton(sp => new OperationRegistry(
            sp.GetRequiredService<TimeProvider>(),
            TimeSpan.FromMinutes(sp.GetRequiredService<IOptions<AgentOptions>>().Value.ResultRetentionMinutes)));
        services.TryAddSingleton<OperationDrain>();
        services.AddHostedService(sp => sp.GetRequiredService<OperationDrain>());
        services.TryAddSingleton<OperationRunner>();
        services.AddOptions<TransferOptions>().Bind(configuration.GetSection(TransferOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(sp => new TransferGate(sp.GetRequiredService<IOptions<TransferOptions>>().Value.MaxParallelStreams));
        services.TryAddSingleton(sp => new TransferThrottle(sp.GetRequiredService<IOptions<TransferOptions>>().Value.MaxBytesPerSecond, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<CheckpointSender>();
        services.TryAddSingleton<PeerConnections>();
        services.TryAddSingleton<RequestValidator>();
        services.TryAddSingleton<ClientCertificateValidator>();
        services.AddGrpc(grpc => grpc.Interceptors.Add<ErrorMappingInterceptor>());
    }

    private static AgentMetrics CreateMetrics(IServiceProvider services)
    {
        var registry = services.GetRequiredService<CollectorRegistry>();
        var metrics = new AgentMetrics(registry);
        var catalog = services.GetRequiredService<ICheckpointCatalog>();
        var operations = services.GetRequiredService<OperationRegistry>();
        registry.AddBeforeCollectCallback(async cancellationToken =>
        {
            metrics.SetOperationsInFlight(operations.InFlight);
            metrics.SetCheckpointsStored((await catalog.ListAsync(null, cancellationToken)).Count);
            metrics.SetStoreSpace(catalog.GetSpace());
        });
        return metrics;
    }

    private static void ConfigureListeners(KestrelServerOptions kestrel)
    {
        var services = kestrel.ApplicationServices;
        var options = services.GetRequiredService<IOptions<AgentOptions>>().Value;
        var address = string.IsNullOrEmpty(options.ListenAddress) ? IPAddress.Any : IPAddress.Parse(options.ListenAddress);
        if (!string.IsNullOrEmpty(options.SocketPath))
        {
            kestrel.ListenUnixSocket(options.SocketPath, listen => listen.Protocols = HttpProtocols.Http2);
        }

        var csi = services.GetRequiredService<IOptions<CsiOptions>>().Value;
        if (csi.Enabled)
        {
            kestrel.ListenUnixSocket(csi.SocketPath, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.Use(ListenerTags.Tag(Listener.Csi));
            });
            kestrel.ListenUnixSocket(csi.RegistrationSocketPath, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.Use(ListenerTags.Tag(Listener.Registration));
            });
        }

        if (options.TcpPort is { } tcpPort)
        {
            var validator = services.GetRequiredService<ClientCertificateValidator>();
            var logger = services.GetRequiredService<ILogger<ClientCertificateValidator>>();
#pragma warning disable CA2000 // The listener serves it for as long as the agent runs; disposed when the agent has stopped.
            var certificate = X509Certificate2.CreateFromPemFile(options.TlsCertificatePath!, options.TlsKeyPath);
#pragma warning restore CA2000
            services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(certificate.Dispose);
            kestrel.Listen(address, tcpPort, listen =>
            {
                // HTTP/1.1 beside gRPC's HTTP/2 (ALPN chooses), for a checkpoint's bytes to other agents as a plain
                // body (CheckpointBytesEndpoint). gRPC needs HTTP/2, so nothing else is newly reachable.
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = certificate,
#pragma warning disable CA5398 // A floor, not a guess: operator and agent never speak below TLS 1.2, whatever a node's OpenSSL policy allows.
                    SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
#pragma warning restore CA5398
                    ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                    CheckCertificateRevocation = false,
                    ClientCertificateValidation = (client, chain, _) =>
                    {
                        // Peers pass here; the middleware admits them to CheckpointTransfer only.
                        var (allowed, reason) = validator.Validate(client, chain?.ChainElements.Select(e => e.Certificate), peersToo: true);
                        if (!allowed)
                        {
                            logger.LogWarning("refused TLS client: {Reason}", reason);
                        }

                        return allowed;
                    },
                });
                listen.Use(LargeTlsWrites.Middleware);
            });
        }

        if (options.HttpPort is { } httpPort)
        {
            kestrel.Listen(address, httpPort, listen => listen.Protocols = HttpProtocols.Http1);
        }
    }
}
