using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Xunit.Abstractions;

namespace Cryo.Criu.Tests.Images;

/// <summary>
/// Figures, not assertions: what a content-based increment stores and costs for a 256 MiB random workload with a tenth
/// of its pages rewritten. Runs only with <c>CRYO_MEASURE=1</c> (it takes a few seconds and half a GiB of disk):
/// <c>CRYO_MEASURE=1 dotnet test tests/Cryo.Criu.Tests -c Release --filter IncrementalMeasurement --logger "console;verbosity=detailed"</c>.
/// Prints one JSON line.
/// </summary>
[Collection(MemoryWorkloadCollection.Name)]
public class IncrementalMeasurement(MemoryWorkloadBuild build, ITestOutputHelper output)
{
    private const int PrivateMiB = 256;
    private const int SharedKiB = 1024;
    private const int Percent = 10;

    [Fact]
    public async Task Measure_Increment_Of_256MiB_With_A_Tenth_Rewritten()
    {
        if (Environment.GetEnvironmentVariable("CRYO_MEASURE") != "1")
        {
            output.WriteLine("set CRYO_MEASURE=1 to measure");
            return;
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        using var dir = new TempDirectory();
        var criu = CriuForTests.Create();
        using var workload = await MemoryWorkload.StartAsync(build.BinaryPath, dir.Combine("control"), PrivateMiB, SharedKiB, Percent);
        var (parent, child) = (dir.Combine("1/images"), dir.Combine("2/images"));

        var parentDump = await DumpAsync(criu, workload, parent, timeout.Token);
        var watch = Stopwatch.StartNew();
        var parentIndex = PageHashIndex.Build(parent, null, timeout.Token);
        var indexBuild = watch.Elapsed;
        var parentDigests = Directory.GetFiles(parent, "pages-*.img").Select(f => PagesImageDigests.Compute(f, null, timeout.Token)).ToList();
        watch.Restart();
        PageHashIndex.Build(parent, null, parentDigests, timeout.Token);
        var indexFromDigests = watch.Elapsed;
        parentIndex.Save(dir.Combine("1/" + PageHashIndex.DefaultFileName));
        await workload.RewriteAsync(workload.RootPid);
        var atDump = await workload.ChecksumsAsync(workload.RootPid);
        var childDump = await DumpAsync(criu, workload, child, timeout.Token);
        var fullChildBytes = DirectoryBytes(child);
        // The same dump twice: rewritten once hashing every page itself, once with digests made beforehand (what
        // hashing the pages images while CRIU writes them gives).
        var twin = dir.Combine("2b/images");
        Directory.CreateDirectory(twin);
        foreach (var file in Directory.EnumerateFiles(child))
        {
            File.Copy(file, Path.Combine(twin, Path.GetFileName(file)));
        }
        watch.Restart();
        var digests = Directory.GetFiles(twin, "pages-*.img").Select(f => PagesImageDigests.Compute(f, null, timeout.Token)).ToList();
        var digestTime = watch.Elapsed;

        var result = new IncrementalRewriter().Rewrite(child, parent, parentIndex, timeout.Token);
        result.Index.Save(dir.Combine("2/" + PageHashIndex.DefaultFileName));
        var withDigests = new IncrementalRewriter().Rewrite(twin, parent, parentIndex, digests, timeout.Token);

        var restoreFull = new List<double>();
        var restoreChild = new List<double>();
        for (var round = 0; round < 3; round++)
        {
            restoreFull.Add(await RestoreAsync(criu, workload, parent, dir.Combine($"full-{round}.pid"), null, timeout.Token));
            restoreChild.Add(await RestoreAsync(criu, workload, child, dir.Combine($"child-{round}.pid"), atDump, timeout.Token));
        }

        var figures = new Dictionary<string, object>
        {
            ["workload_mib"] = PrivateMiB,
            ["rewritten_percent"] = Percent,
            ["full_dump_bytes"] = fullChildBytes,
            ["child_bytes_after_rewrite"] = DirectoryBytes(child),
            ["memory_bytes_before"] = result.BytesBefore,
            ["memory_bytes_after"] = result.BytesAfter,
            ["new_bytes_ratio"] = Math.Round((double)DirectoryBytes(child) / fullChildBytes, 4),
            ["pages"] = result.Pages,
            ["pages_in_parent"] = result.PagesInParent,
            ["index_bytes"] = new FileInfo(dir.Combine("2/" + PageHashIndex.DefaultFileName)).Length,
            ["parent_dump_s"] = Seconds(parentDump),
            ["child_dump_s"] = Seconds(childDump),
            ["rewrite_s"] = Seconds(result.Duration),
            ["rewrite_vs_dump_ratio"] = Math.Round(result.Duration / childDump, 3),
            ["digests_beforehand_s"] = Seconds(digestTime),
            ["rewrite_with_digests_s"] = Seconds(withDigests.Duration),
            ["rewrite_with_digests_vs_dump_ratio"] = Math.Round(withDigests.Duration / childDump, 3),
            ["parent_index_build_s"] = Seconds(indexBuild),
            ["parent_index_from_digests_s"] = Seconds(indexFromDigests),
            ["sha256_page_gbps"] = Math.Round(HashThroughput(), 2),
            ["restore_full_s"] = restoreFull.Select(s => Math.Round(s, 3)).ToArray(),
            ["restore_child_s"] = restoreChild.Select(s => Math.Round(s, 3)).ToArray(),
        };
        var line = JsonSerializer.Serialize(figures);
        output.WriteLine(line);
        Console.WriteLine(line);
    }

    private static async Task<TimeSpan> DumpAsync(CriuCli criu, MemoryWorkload workload, string images, CancellationToken cancellationToken) =>
        (await criu.DumpAsync(new DumpOptions { ImagesDirectory = images, Pid = workload.RootPid, LeaveRunning = true }, null,
            CriuForTests.Deadline, cancellationToken)).Duration;

    private static async Task<double> RestoreAsync(CriuCli criu, MemoryWorkload workload, string images, string pidFile, string[]? expected,
        CancellationToken cancellationToken)
    {
        var pid = 0;
        try
        {
            var restore = await criu.RestoreAsync(new RestoreOptions { ImagesDirectory = images, PidFile = pidFile }, null,
                CriuForTests.Deadline, cancellationToken);
            pid = restore.RestoredPid ?? 0;
            if (expected is not null)
            {
                Assert.Equal(expected, await workload.ChecksumsAsync(pid));
            }
            return restore.Duration.TotalSeconds;
        }
        finally
        {
            ProcessTable.KillNamespaceInit(pid);
            await ProcessTable.WaitUntilAsync(() => !ProcessTable.IsRunning(pid), TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>Bytes a checkpoint's images take, logs and statistics left out.</summary>
    private static long DirectoryBytes(string images) =>
        Directory.EnumerateFiles(images).Where(f => !CriuImageFiles.IsLogOrStats(f)).Sum(f => new FileInfo(f).Length);

    private static double HashThroughput()
    {
        var pages = new byte[64 << 20];
        new Random(1).NextBytes(pages);
        var digests = new byte[pages.Length / PageMap.PageSize * 32];
        var watch = Stopwatch.StartNew();
        Sha256PageHasher.Instance.HashPages(pages, digests);
        return pages.Length / watch.Elapsed.TotalSeconds / 1e9;
    }

    private static double Seconds(TimeSpan time) => Math.Round(time.TotalSeconds, 3);
}
