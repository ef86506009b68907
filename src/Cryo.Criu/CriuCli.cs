using System.ComponentModel;
using System.Globalization;
using Cryo.Criu.Capabilities;
using Cryo.Criu.Cpu;
using Cryo.Criu.Logs;
using Cryo.Criu.Options;
using Cryo.Criu.Running;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cryo.Criu;

/// <summary><see cref="ICriu"/> through CRIU's command line: one <c>criu</c> process per operation.</summary>
public sealed class CriuCli : ICriu
{
    /// <summary>Where <c>hack/install-criu.sh</c> installs CRIU.</summary>
    public const string DefaultExecutablePath = "/opt/cryo/criu/bin/criu";

    private const string KernelReleaseFile = "/proc/sys/kernel/osrelease";

    // What `criu cpuinfo dump` writes into -D, and `criu cpuinfo check` reads from it.
    private const string CpuinfoImage = "cpuinfo.img";

    private readonly ILogger _logger;
    private readonly KerndatCache _kerndat;

    /// <summary>Creates a runner for the CRIU executable at <paramref name="executablePath"/>.</summary>
    /// <param name="executablePath">Absolute path of CRIU (a <c>criu</c> on PATH may be Debian 12's, which fails here).</param>
    /// <param name="logger">Receives one line per run; <c>null</c> for none.</param>
    public CriuCli(string executablePath, ILogger<CriuCli>? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(executablePath);
        if (!Path.IsPathRooted(executablePath))
        {
            throw new ArgumentException($"CRIU's path must be absolute, not '{executablePath}'", nameof(executablePath));
        }
        ExecutablePath = executablePath;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _kerndat = new KerndatCache(executablePath, _logger);
    }

    /// <summary>The CRIU executable this runner starts.</summary>
    public string ExecutablePath { get; }

    /// <summary>Deadline of each <c>criu --version</c> and <c>criu check</c> run.</summary>
    public TimeSpan CheckDeadline { get; init; } = TimeSpan.FromSeconds(30);

    /// <inheritdoc />
    public async Task<CriuVersion> GetVersionAsync(CancellationToken cancellationToken)
    {
        var outcome = await RunQueryAsync("version", ["--version"], cancellationToken);
        if (outcome.ExitCode != 0)
        {
            throw QueryFailure("version", outcome);
        }
        try
        {
            return CriuVersion.Parse(outcome.StandardOutput);
        }
        catch (FormatException e)
        {
            throw new CriuException("version", outcome.ExitCode, null, string.Empty, Tail(outcome.StandardError),
                $"{ExecutablePath} --version printed no version: '{outcome.StandardOutput.Trim()}'", e);
        }
    }

    /// <inheritdoc />
    public async Task<CriuCapabilities> DetectCapabilitiesAsync(CancellationToken cancellationToken)
    {
        var version = await GetVersionAsync(cancellationToken);
        var kernel = (await File.ReadAllTextAsync(KernelReleaseFile, cancellationToken)).Trim();
        var basic = await RunQueryAsync("check", ["check"], cancellationToken);
        var checks = new List<CriuFeatureCheck>();
        foreach (var feature in CriuFeatureInfo.All)
        {
            // Without -o, criu check reports on stderr; exit code 0 means supported.
            var outcome = await RunQueryAsync("check", ["check", "--feature", CriuFeatureInfo.CriuName(feature)], cancellationToken)
                ;
            checks.Add(new CriuFeatureCheck(feature, outcome.ExitCode == 0, Combined(outcome)));
        }
        var capabilities = new CriuCapabilities(version, kernel, basic.ExitCode == 0, Combined(basic), checks);
        _logger.LogInformation("CRIU {Version} on kernel {Kernel}: basic check {Basic}; missing: {Missing}", version, kernel,
            capabilities.BasicCheckPassed ? "passed" : "failed",
            string.Join(", ", checks.Where(c => !c.Supported).Select(c => CriuFeatureInfo.CriuName(c.Feature))));
        return capabilities;
    }

    /// <inheritdoc />
    public async Task<byte[]?> DumpCpuinfoAsync(CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("cryo-cpuinfo-");
        try
        {
            var outcome = await RunQueryAsync("cpuinfo dump", ["cpuinfo", "dump", "-D", directory.FullName], cancellationToken);
            if (outcome.ExitCode != 0)
            {
                throw QueryFailure("cpuinfo dump", outcome);
            }

            return await File.ReadAllBytesAsync(Path.Combine(directory.FullName, CpuinfoImage), cancellationToken);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <inheritdoc />
    public async Task<CpuinfoVerdict?> CheckCpuinfoAsync(ReadOnlyMemory<byte> cpuinfoImage, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("cryo-cpuinfo-");
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(directory.FullName, CpuinfoImage), cpuinfoImage, cancellationToken);
            var log = Path.Combine(directory.FullName, "check.log");
            // fpu: the saved FPU state must fit this CPU's; ins: every instruction set the image's CPU had. Not "cpu",
            // which demands identical feature words (any other model fails it).
            var outcome = await RunQueryAsync("cpuinfo check", ["cpuinfo", "check", "-D", directory.FullName, "--cpu-cap=fpu,ins", "-o", log], cancellationToken);
            if (outcome.ExitCode == 0)
            {
                return new CpuinfoVerdict(true, string.Empty);
            }

            var errors = CriuLog.ExtractErrors(log).Errors;
            return new CpuinfoVerdict(false, errors.Count > 0 ? string.Join("; ", errors.Select(CriuLog.StripTimestamp)) : Combined(outcome));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <inheritdoc />
    public async Task<CriuRunResult> DumpAsync(DumpOptions options, CriuLaunch? launch, TimeSpan deadline,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var arguments = options.ToArguments();
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("CRIU runs on Linux only");
        }
        // CRIU refuses a missing -D; images hold every page of the workload, secrets included: owner only.
        Directory.CreateDirectory(options.ImagesDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return await RunAsync("dump", arguments, options.LogPath, pidFile: null, launch, deadline, cancellationToken)
            ;
    }

    /// <inheritdoc />
    public async Task<CriuRunResult> RestoreAsync(RestoreOptions options, CriuLaunch? launch, TimeSpan deadline,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var arguments = options.ToArguments();
        if (options.PidFile is not null && File.Exists(options.PidFile))
        {
            throw new ArgumentException($"PidFile {options.PidFile} already exists: CRIU refuses to overwrite it", nameof(options));
        }
        return await RunAsync("restore", arguments, options.LogPath, options.PidFile, launch, deadline, cancellationToken)
            ;
    }

    private async Task<CriuRunResult> RunAsync(string operation, IReadOnlyList<string> arguments, string logPath, string? pidFile,
        CriuLaunch? launch, TimeSpan deadline, CancellationToken cancellationToken)
    {
        // Once: CRIU probes the kernel at every run that finds no cache of its facts (see KerndatCache).
        await _kerndat.EnsureOnceAsync();
        var commandLine = (launch ?? CriuLaunch.Direct).BuildCommandLine(ExecutablePath, arguments);
        _logger.LogInformation("Running criu {Operation}: {CommandLine}", operation, string.Join(' ', commandLine));
        var outcome = await StartAsync(operation, commandLine, deadline, cancellationToken, launch?.BeforeKill);

        if (outcome.TimedOut)
        {
            var excerpt = CriuLog.ExtractErrors(logPath);
            var seconds = deadline.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            var message = $"criu {operation} was killed after {seconds} s (its deadline), with every process it had started";
            if (excerpt.FirstError is { } first)
            {
                message += $"; last log errors: {first}";
            }
            throw new CriuTimeoutException(operation, deadline, outcome.ExitCode, logPath, excerpt.Text, Tail(outcome.StandardError),
                message + $" (log: {logPath})");
        }
        if (outcome.ExitCode != 0)
        {
            var excerpt = CriuLog.ExtractErrors(logPath);
            var reason = excerpt.FirstError ?? LastLine(outcome.StandardError) ?? "no error in its log";
            throw new CriuException(operation, outcome.ExitCode, logPath, excerpt.Text, Tail(outcome.StandardError),
                $"criu {operation} failed (exit {outcome.ExitCode}): {reason} (log: {logPath})");
        }

        int? restoredPid = pidFile is null ? null : await ReadPidFileAsync(pidFile, logPath, outcome, cancellationToken);
        _logger.LogInformation("criu {Operation} succeeded in {Seconds:0.000} s{Pid}", operation, outcome.Duration.TotalSeconds,
            restoredPid is null ? string.Empty : $", restored PID {restoredPid}");
        return new CriuRunResult(operation, outcome.ExitCode, outcome.Duration, logPath, restoredPid, commandLine, Tail(outcome.StandardError));
    }

    private static async Task<int> ReadPidFileAsync(string pidFile, string logPath, ProcessOutcome outcome, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(pidFile, cancellationToken);
        }
        catch (IOException e)
        {
            throw new CriuException("restore", outcome.ExitCode, logPath, string.Empty, Tail(outcome.StandardError),
                $"criu restore succeeded but its pidfile {pidFile} cannot be read: {e.Message}", e);
        }
        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
        {
            throw new CriuException("restore", outcome.ExitCode, logPath, string.Empty, Tail(outcome.StandardError),
                $"criu restore succeeded but its pidfile {pidFile} holds no PID: '{text.Trim()}'");
        }
        return pid;
    }

    private async Task<ProcessOutcome> RunQueryAsync(string operation, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var outcome = await StartAsync(operation, CriuLaunch.Direct.BuildCommandLine(ExecutablePath, arguments), CheckDeadline,
            cancellationToken);
        if (outcome.TimedOut)
        {
            var seconds = CheckDeadline.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            throw new CriuTimeoutException(operation, CheckDeadline, outcome.ExitCode, null, string.Empty, Tail(outcome.StandardError),
                $"criu {operation} was killed after {seconds} s (its deadline)");
        }
        return outcome;
    }

    private async Task<ProcessOutcome> StartAsync(string operation, IReadOnlyList<string> commandLine, TimeSpan deadline,
        CancellationToken cancellationToken, Action? beforeKill = null)
    {
        try
        {
            return await ProcessRunner.RunAsync(commandLine, deadline, _logger, cancellationToken, beforeKill);
        }
        catch (Win32Exception e)
        {
            throw new CriuException(operation, -1, null, string.Empty, string.Empty,
                $"cannot start criu {operation} ({commandLine[0]}): {e.Message}", e);
        }
    }

    private static CriuException QueryFailure(string operation, ProcessOutcome outcome) =>
        new(operation, outcome.ExitCode, null, string.Empty, Tail(outcome.StandardError),
            $"criu {operation} failed (exit {outcome.ExitCode}): {LastLine(outcome.StandardError) ?? LastLine(outcome.StandardOutput) ?? "no output"}");

    private static string Combined(ProcessOutcome outcome) => (outcome.StandardOutput + outcome.StandardError).Trim();

    private static string? LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();

    // The end of stderr is where CRIU (or a failing launch prefix) says why it stopped.
    private static string Tail(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join('\n', lines.TakeLast(20));
    }
}
