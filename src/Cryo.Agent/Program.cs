// The node agent: serves the gRPC API on its Unix socket (and on a mutual-TLS port when configured).
// Run locally: dotnet run --project src/Cryo.Agent -- --store DIR --socket PATH
using Cryo.Agent.Attempts;
using Cryo.Agent.Checkpointing;
using Cryo.Agent.Containers;
using Cryo.Agent.Hosting;
using Cryo.Agent.Metrics;
using Cryo.Agent.Operations;
using Cryo.Agent.Restoring;
using Cryo.Agent.Restoring.Lazy;
using Microsoft.Extensions.Options;

var app = AgentHost.Build(args, builder =>
{
    builder.Services.AddOptions<EngineOptions>()
        .Bind(builder.Configuration.GetSection(EngineOptions.Section))
        .PostConfigure<IOptions<AgentOptions>>((engine, agent) => engine.NodeName = agent.Value.NodeName) // one node name: Agent:NodeName
        .ValidateDataAnnotations()
        .ValidateOnStart();
    builder.Services.AddSingleton<ContainerResolver>();
    builder.Services.AddSingleton<CriuFacts>();
    builder.Services.AddSingleton<ICheckpointEngine, CheckpointEngine>();
    // Lazy restores' daemons outlive the agent; at start it finds the transfers an earlier one left running.
    builder.Services.AddSingleton(sp => new LazyTransfers(
        sp.GetRequiredService<IOptions<AgentOptions>>().Value.CriuPath,
        async cancellationToken => (await sp.GetRequiredService<CriuMonitor>().GetStateAsync(cancellationToken)).Capabilities,
        sp.GetRequiredService<ProcFs>(), sp.GetRequiredService<IOptions<EngineOptions>>(), sp.GetRequiredService<ILogger<LazyTransfers>>(),
        sp.GetRequiredService<AgentMetrics>()));
    builder.Services.AddHostedService(sp => sp.GetRequiredService<LazyTransfers>());
    builder.Services.AddSingleton<IRestoreEngine, RestoreEngine>();
});
await app.RunAsync();
