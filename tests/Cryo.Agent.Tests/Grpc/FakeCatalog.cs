using System.Collections.Concurrent;
using Cryo.Agent.Operations;

namespace Cryo.Agent.Tests.Grpc;

/// <summary>An in-memory catalog the fake checkpoint engine commits into.</summary>
public sealed class FakeCatalog(string root) : ICheckpointCatalog
{
    private readonly ConcurrentDictionary<(string Namespace, string Name), CheckpointRecord> records = new();

    public string RootPath { get; } = root;

    public void Add(CheckpointRecord record) => records[(record.Namespace, record.Name)] = record;

    public Task<IReadOnlyList<CheckpointRecord>> ListAsync(string? @namespace, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<CheckpointRecord>>([.. records.Values
            .Where(r => @namespace is null || r.Namespace == @namespace)
            .OrderBy(r => r.Namespace, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal)]);

    public Task<CheckpointRecord?> FindAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        Task.FromResult(records.GetValueOrDefault((@namespace, name)));

    public Task<DeleteOutcome> DeleteAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        Task.FromResult(records.TryRemove((@namespace, name), out var removed)
            ? new DeleteOutcome(true, removed.SizeBytes)
            : new DeleteOutcome(false, 0));

    public StoreCapacity GetSpace() => new(10L << 30, 4L << 30);

    public static CheckpointRecord RecordFor(CheckpointCommand command, CheckpointOutcome outcome) => new(
        command.Namespace, command.Name, command.OperationId, outcome.Location, outcome.SizeBytes, outcome.CreatedAt,
        "test-node", outcome.CriuVersion, "6.18.0", command.Workload,
        new RecordedOptions(command.LeaveRunning, command.TcpEstablished, command.FileLocks, ShellJob: false, command.SkipRootFilesystem),
        outcome.Freeze, outcome.Dump, outcome.Total, outcome.ProcessCount, outcome.MemoryPagesBytes, command.ParentCheckpoint,
        new RecordedSource(command.Source.ContainerId, command.Source.Pid ?? 4242, ["1:memory:/test"],
            new Dictionary<string, string> { ["pid"] = "pid:[4026532290]" }, []),
        [new RecordedProcess(1, 0, command.Source.Pid ?? 4242, ["/bin/sleep", "1000"])],
        [new RecordedFile("images/pages-1.img", outcome.SizeBytes, new string('0', 64), 0, [])],
        ManifestVersion: 1);
}
