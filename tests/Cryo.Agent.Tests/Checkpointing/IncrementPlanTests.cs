using Cryo.Agent.Checkpointing;
using Cryo.Agent.Tests.Store;

namespace Cryo.Agent.Tests.Checkpointing;

/// <summary>
/// How a checkpoint with a parent is made: CRIU's own memory tracking only where <c>criu check --feature mem_dirty_track</c>
/// passes (not on this machine's kernel, so CRIU cannot run that way here), by content everywhere else; both record the
/// method and the chain.
/// </summary>
public sealed class IncrementPlanTests : IDisposable
{
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Theory]
    [InlineData(true, ManifestIncrement.CriuMemoryTracking)]
    [InlineData(false, ManifestIncrement.ContentBased)]
    public async Task For_Should_TakeCriusMemoryTracking_OnlyWhereTheKernelTracksDirtyMemory(bool memoryTracking, string method)
    {
        var store = new ImageStore(new ImageStoreOptions { RootDirectory = directory.Path });
        var parent = await StoreTestData.CommitFakeAsync(store, StoreTestData.Key("base"));
        var command = TestEngines.CheckpointOf(Environment.ProcessId, "child") with { ParentCheckpoint = "base" };

        var plan = IncrementPlan.For(store, command, memoryTracking);

        Assert.NotNull(plan);
        Assert.Equal((parent.Key, method, 2), (plan.Parent.Key, plan.Method, plan.ChainLength));
    }

    [Fact]
    public async Task For_Should_BeNull_When_TheCommandNamesNoParent()
    {
        var store = new ImageStore(new ImageStoreOptions { RootDirectory = directory.Path });
        await StoreTestData.CommitFakeAsync(store, StoreTestData.Key("base"));

        Assert.Null(IncrementPlan.For(store, TestEngines.CheckpointOf(Environment.ProcessId, "child"), memoryTracking: true));
    }
}
