using Cryo.Agent.Hosting;
using Cryo.Agent.Restoring.Lazy;
using Cryo.Testing.Agent.Harness;
using Cryo.Contracts;
using Cryo.Contracts.Agent.V1;
using Google.Rpc;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cryo.Agent.Tests.Grpc;

/// <summary>The API over the real engines, image store and CRIU: what the operator and the CLI get.</summary>
[Collection(LazyPagesCollection.Name)]
public sealed class RealEngineApiTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Restore_Should_ContinueTheCounterInANewPidNamespace_When_CheckpointedAndRestoredThroughTheApi()
    {
        using var engines = new TestEngines();
        await using var copies = new RestoredCopies(engines);
        var socket = Path.Combine(engines.Directory, "agent.sock");
        await using var app = await StartAgentAsync(engines, socket);
        try
        {
            await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { Script = Counter.Script }, CancellationToken.None);
            await workload.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);
            var before = Counter.Last(workload.Stdout);
            using var channel = UnixSocketChannel.Create(socket);
            var client = new AgentService.AgentServiceClient(channel);

            var checkpoint = await client.CheckpointAsync(new CheckpointRequest
            {
                OperationId = "uid-real-1",
                Namespace = "default",
                Name = "counter",
                Pid = workload.InitPid,
                Pod = new PodMetadata { PodName = "counter-0", PodUid = "pod-uid", ContainerName = "counter", Image = "busybox" },
            });
            await ProcessReaper.KillTreeAsync(workload.InitPid, CancellationToken.None);
            var atKill = Counter.Last(workload.Stdout);
            var reference = new CheckpointRef { Namespace = "default", Name = "counter" };
            var details = await client.InspectCheckpointAsync(new InspectCheckpointRequest { Checkpoint = reference }, deadline: DateTime.UtcNow + Patience);
            var restored = await client.RestoreAsync(new RestoreRequest { OperationId = "restore-real-1", Checkpoint = reference, NewPidNamespace = new NewPidNamespaceTarget() },
                deadline: DateTime.UtcNow + Patience);
            copies.Track(restored.HostPid);
            var output = engines.OutputOf(new RestoreCommand("restore-real-1", "default", "counter", null, Patience));
            var values = await Counter.WaitForFileAsync(output, v => v.Count >= 3, Patience);

            Assert.Contains(checkpoint, e => e.Progress?.Stage == Contracts.Agent.V1.CheckpointStage.Dumping);
            Assert.True(checkpoint[^1].Result.SizeBytes > 0);
            Assert.Equal("uid-real-1", details.Summary.OperationId);
            Assert.True(details.Summary.Options.LeaveRunning);
            Assert.Equal("counter-0", details.Summary.Pod.PodName);
            Assert.Equal(workload.InitPid, details.Source.Pid);
            Assert.Contains(details.Files, f => f.Path.EndsWith(".img", StringComparison.Ordinal) && f.Sha256.Length == 64);
            Assert.Equal(1, restored.NamespacePid);
            Assert.InRange(values[0], before + 1, atKill + 1);
        }
        finally
        {
            using var stopTimeout = new CancellationTokenSource(Patience);
            await app.StopAsync(stopTimeout.Token);
        }
    }

    [Fact]
    public async Task Checkpoint_Should_FailWithFailedPreconditionNamingTheOptOut_When_TheRootIsNotAnOverlay_And_SucceedWithIt()
    {
        using var engines = new TestEngines();
        var socket = Path.Combine(engines.Directory, "agent.sock");
        await using var app = await StartAgentAsync(engines, socket);
        try
        {
            await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { OverlayRoot = false, Script = Counter.Script }, CancellationToken.None);
            await workload.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);
            using var channel = UnixSocketChannel.Create(socket);
            var client = new AgentService.AgentServiceClient(channel);
            CheckpointRequest Request(string operationId, bool skip) => new()
            {
                OperationId = operationId,
                Namespace = "default",
                Name = "bound-root",
                Pid = workload.InitPid,
                Options = new CheckpointOptions { SkipRootFilesystem = skip },
            };

            var error = await Assert.ThrowsAsync<RpcException>(() => client.CheckpointAsync(Request("uid-refused", skip: false)));
            var status = error.GetRpcStatus()!;
            var info = status.GetDetail<ErrorInfo>();
            var precondition = status.GetDetail<PreconditionFailure>();
            var before = Counter.Last(workload.Stdout);
            await workload.WaitForOutputAsync(o => Counter.Last(o) > before + 2, Patience, CancellationToken.None);
            var storeWasEmpty = engines.Store.List().Count == 0;
            var events = await client.CheckpointAsync(Request("uid-skipped", skip: true));
            var details = await client.InspectCheckpointAsync(new InspectCheckpointRequest { Checkpoint = new CheckpointRef { Namespace = "default", Name = "bound-root" } },
                deadline: DateTime.UtcNow + Patience);

            Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
            Assert.Equal("UNSUPPORTED_WORKLOAD", info.Reason);
            Assert.Equal("options.skip_root_filesystem", info.Metadata["field"]);
            Assert.NotEqual("overlay", info.Metadata["fs_type"]);
            Assert.Contains("options.skip_root_filesystem", error.Status.Detail, StringComparison.Ordinal);
            var violation = Assert.Single(precondition.Violations);
            Assert.Equal("ROOT_FILESYSTEM", violation.Type);
            Assert.Equal("options.skip_root_filesystem", violation.Subject);
            Assert.True(storeWasEmpty, "the refused checkpoint left something in the store");
            Assert.NotNull(events[^1].Result);
            Assert.True(details.Summary.Options.SkipRootFilesystem);
        }
        finally
        {
            using var stopTimeout = new CancellationTokenSource(Patience);
            await app.StopAsync(stopTimeout.Token);
        }
    }

    [Fact]
    public async Task LazyRestore_Should_FinishItsTransferWithTheCopyIntact_When_TheAgentStopsMidTransfer()
    {
        using var engines = new TestEngines();
        await using var copies = new RestoredCopies(engines);
        var (workload, checksum) = await Memhog.StartAsync(1024, CancellationToken.None, patience: Patience);
        await using var original = workload;
        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, "hog", leaveRunning: false), new RecordingProgress<Operations.CheckpointStage>(), CancellationToken.None);
        var socket = Path.Combine(engines.Directory, "agent.sock");
        var app = await StartAgentAsync(engines, socket, watchLazyTransfers: true);
        RestoreResponse restored;
        int? statusWhenStopping;
        await using (app)
        {
            using var channel = UnixSocketChannel.Create(socket);
            var client = new AgentService.AgentServiceClient(channel);
            // Held mid-transfer however fast the machine is: the daemon gets a tenth of a CPU until the agent stopped.
            using var slow = LazyDaemonStopper.Throttle(engines.Options.LazyPagesCgroupParent, 10);
            restored = await client.RestoreAsync(new RestoreRequest
            {
                OperationId = "restore-lazy-1", Checkpoint = new CheckpointRef { Namespace = "default", Name = "hog" }, NewPidNamespace = new(), Lazy = true,
            }, deadline: DateTime.UtcNow + Patience);
            copies.Track(restored.HostPid);
            // Stopped (as the agent is when its pod is deleted or updated) while most of the 1 GiB is still to come.
            statusWhenStopping = LazyPagesDaemon.ReadExitCode(Directory.EnumerateDirectories(Path.Combine(engines.Options.RunDirectory, "restores"), "restore-lazy-1.*").Single());
            using var stopTimeout = new CancellationTokenSource(Patience);
            await app.StopAsync(stopTimeout.Token);
            slow.Lift();
        }
        var work = Directory.EnumerateDirectories(Path.Combine(engines.Options.RunDirectory, "restores"), "restore-lazy-1.*").Single();
        using var transferTimeout = new CancellationTokenSource(Patience);
        var status = await LazyTransfers.WaitAsync(work, transferTimeout.Token);
        var restoredChecksum = await Memhog.AskAsync(restored.HostPid, "USR1", "check", Path.Combine(work, "stdout.log"), Patience);

        Assert.True(restored.Lazy, restored.LazyFallbackReason);
        Assert.Null(statusWhenStopping);
        Assert.Equal(0, status);
        Assert.Equal(checksum, restoredChecksum);
    }

    private static async Task<WebApplication> StartAgentAsync(TestEngines engines, string socket, bool watchLazyTransfers = false)
    {
        var app = AgentHost.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Agent:SocketPath"] = socket,
                ["Agent:CriuPath"] = TestEngines.CriuPath,
                ["Agent:NodeName"] = "test-node",
                ["Store:RootDirectory"] = engines.StoreRoot,
                ["Logging:LogLevel:Default"] = "Warning",
            });
            builder.Services.AddSingleton<ICheckpointEngine>(engines.Checkpoints);
            builder.Services.AddSingleton<IRestoreEngine>(engines.Restores);
            builder.Services.AddSingleton(engines.Store);
            builder.Services.AddSingleton(engines.Criu);
            if (watchLazyTransfers)
            {
                builder.Services.AddHostedService(_ => engines.LazyTransfers);
            }
        });
        try
        {
            using var startTimeout = new CancellationTokenSource(Patience);
            await app.StartAsync(startTimeout.Token);
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }
}
