using System.Diagnostics;

namespace Cryo.Criu.Tests.TestSupport;

/// <summary>Compiles the memhog workload (Images/Workload/memhog.c) once for the tests that share it, and removes it after.</summary>
public sealed class MemoryWorkloadBuild : IDisposable
{
    private readonly TempDirectory _directory = new();

    public MemoryWorkloadBuild()
    {
        BinaryPath = _directory.Combine("memhog");
        var source = Path.Combine(AppContext.BaseDirectory, "Images", "Workload", "memhog.c");
        var startInfo = new ProcessStartInfo("gcc") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-O2", "-Wall", "-Werror", "-o", BinaryPath, source })
        {
            startInfo.ArgumentList.Add(argument);
        }
        using var gcc = Process.Start(startInfo) ?? throw new InvalidOperationException("cannot start gcc (hack/install-deps.sh installs it)");
        var errors = gcc.StandardError.ReadToEnd();
        gcc.WaitForExit();
        if (gcc.ExitCode != 0)
        {
            throw new InvalidOperationException($"gcc failed on {source}: {errors}");
        }
    }

    /// <summary>The compiled workload.</summary>
    public string BinaryPath { get; }

    public void Dispose() => _directory.Dispose();
}

/// <summary>Tests that run the memhog workload under real CRIU: one build, and one at a time (two cores).</summary>
[CollectionDefinition(Name)]
public sealed class MemoryWorkloadCollection : ICollectionFixture<MemoryWorkloadBuild>
{
    public const string Name = "memhog under CRIU";
}
