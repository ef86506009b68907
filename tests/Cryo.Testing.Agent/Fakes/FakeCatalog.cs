using System.Collections.Concurrent;
using Cryo.Agent.Store;
using Cryo.Agent.Store.Manifest;

namespace Cryo.Testing.Agent.Fakes;

/// <summary>An in-memory catalog the fake checkpoint engine commits into.</summary>
public sealed class FakeCatalog(string root) : ICheckpointCatalog
{
    private readonly ConcurrentDictionary<(string Namespace, string Name), CheckpointRecord> records = new();

    public string RootPath { get; } = root;

    public void Add(CheckpointRecord record) => records[(record.Key.Namespace, record.Key.Name)] = record;

    /// <summary>What the real store does to a parent's flat copy when an increment of it commits.</summary>
    public void DropFlatCopy(string @namespace, string name)
    {
        if (records.TryGetValue((@namespace, name), out var record))
        {
            records[(@namespace, name)] = record with { FlatCopyBytes = 0 };
        }
    }

    public Task<IReadOnlyList<CheckpointRecord>> ListAsync(string? @namespace, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<CheckpointRecord>>([.. records.Values
            .Where(r => @namespace is null || r.Key.Namespace == @namespace)
            .OrderBy(r => r.Key.Namespace, StringComparer.Ordinal).ThenBy(r => r.Key.Name, StringComparer.Ordinal)]);

    public Task<CheckpointRecord?> FindAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        Task.FromResult(records.GetValueOrDefault((@namespace, name)));

    public Task<DeleteOutcome> DeleteAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        Task.FromResult(records.TryRemove((@namespace, name), out var removed)
            ? new DeleteOutcome(true, removed.SizeBytes)
            : new DeleteOutcome(false, 0));

    public StoreSpace GetSpace() => new(10L << 30, 4L << 30);

    public static CheckpointRecord RecordFor(CheckpointCommand command, CheckpointOutcome outcome)
    {
        var pid = command.Source.Pid ?? 4242;
        var manifest = new CheckpointManifest
        {
            SchemaVersion = 1,
            Key = new CheckpointKey(command.Namespace, command.Name, command.OperationId),
            CreatedAt = outcome.CreatedAt,
            Criu = new ManifestCriu { Version = outcome.CriuVersion, KernelRelease = "6.18.0" },
            Options = new ManifestOptions
            {
                LeaveRunning = command.LeaveRunning, TcpEstablished = command.TcpEstablished, FileLocks = command.FileLocks,
                SkipRootFilesystem = command.SkipRootFilesystem,
                Compression = command.Compression,
            },
            Timings = new ManifestTimings { FreezeMs = outcome.Freeze.TotalMilliseconds, DumpMs = outcome.Dump.TotalMilliseconds, TotalMs = outcome.Total.TotalMilliseconds },
            ProcessCount = outcome.ProcessCount,
            MemoryPagesBytes = outcome.MemoryPagesBytes,
            Source = new ManifestSource
            {
                ContainerId = command.Source.ContainerId,
                HostPid = pid,
                Cgroups = [new ManifestCgroup { Hierarchy = 1, Controllers = "memory", Path = "/test" }],
                Namespaces = new Dictionary<string, string> { ["pid"] = "pid:[4026532290]" },
                Processes = [new ManifestProcess { Pid = 1, Ppid = 0, HostPid = pid, CommandLine = ["/bin/sleep", "1000"] }],
            },
            Files = [new ManifestFile { Path = "images/pages-1.img", Size = outcome.SizeBytes, Sha256 = new string('0', 64) }],
        };
        ManifestExtraKeys.Record(manifest.Extra, command.Workload, "test-node", command.ParentCheckpoint);
        return new CheckpointRecord(manifest, outcome.Location, outcome.SizeBytes) { FlatCopyBytes = outcome.FlatCopyBytes };
    }
}
