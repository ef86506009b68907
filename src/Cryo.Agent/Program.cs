// The node agent: serves the gRPC API on its Unix socket (and on a mutual-TLS port when configured).
// Run locally: dotnet run --project src/Cryo.Agent -- --store DIR --socket PATH
using Cryo.Agent.Hosting;

var app = AgentHost.Build(args, builder =>
{
    // TODO(lead): register the real engines here, e.g.
    // builder.Services.AddSingleton<ICheckpointEngine, CheckpointEngine>();
    // builder.Services.AddSingleton<IRestoreEngine, RestoreEngine>();
});
await app.RunAsync();
