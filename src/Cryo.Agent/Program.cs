// The node agent: serves the gRPC API on its Unix socket (and on a mutual-TLS port when configured).
// Run locally: dotnet run --project src/Cryo.Agent -- --store DIR --socket PATH
using Cryo.Agent.Attempts;
using Cryo.Agent.Checkpointing;
using Cryo.Agent.Containers;
using Cryo.Agent.Hosting;
using Cryo.Agent.Operations;
using Cryo.Agent.Restoring;
using Microsoft.Extensions.Options;

var app = AgentHost.Build(args, builder =>
{
    builder.Services.AddOptions<EngineOptions>()
        .Bind(builder.Configuration.GetSection(EngineOptions.Section))
        .PostConfigure<IOptions<AgentOptions>>((engine, agent) => engine.NodeName = agent.Value.NodeName); // one node name: Agent:NodeName
    builder.Services.AddSingleton<ContainerResolver>();
    builder.Services.AddSingleton<CriuFacts>();
    builder.Services.AddSingleton<ICheckpointEngine, CheckpointEngine>();
    builder.Services.AddSingleton<IRestoreEngine, RestoreEngine>();
});
await app.RunAsync();
