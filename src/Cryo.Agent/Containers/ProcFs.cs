using System.Globalization;

namespace Cryo.Agent.Containers;

/// <summary>
/// Reads what the kernel shows about processes under a procfs mount (normally <c>/proc</c>; with
/// <c>hostPID</c> that is the node's). Each read raises <see cref="ProcessGoneException"/> when the process
/// does not exist, because processes come and go while we look.
/// </summary>
public sealed class ProcFs
{
    /// <summary>Creates a reader of the procfs mounted at <paramref name="root"/>.</summary>
    public ProcFs(string root = "/proc")
    {
        Root = root;
    }

    /// <summary>The procfs mount point that is read.</summary>
    public string Root { get; }

    /// <summary>The reading process's own PID as this procfs numbers it.</summary>
    public int SelfPid => int.Parse(new FileInfo(Path.Combine(Root, "self")).LinkTarget ?? "0", CultureInfo.InvariantCulture);

    /// <summary>Every PID currently listed (processes, not threads).</summary>
    public IReadOnlyList<int> ListPids()
    {
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories(Root))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                pids.Add(pid);
            }
        }

        return pids;
    }

    /// <summary><see langword="true"/> when <paramref name="pid"/> exists and is not a zombie.</summary>
    public async Task<bool> IsAliveAsync(int pid, CancellationToken cancellationToken)
    {
        try
        {
            return !(await ReadStatusAsync(pid, cancellationToken)).IsZombie;
        }
        catch (ProcessGoneException)
        {
            return false;
        }
    }

    /// <summary>Reads and parses <c>/proc/PID/status</c>.</summary>
    public async Task<ProcStatus> ReadStatusAsync(int pid, CancellationToken cancellationToken) =>
        ProcStatus.Parse(await ReadTextAsync(pid, "status", cancellationToken));

    /// <summary>Reads and parses <c>/proc/PID/stat</c>.</summary>
    public async Task<ProcStat> ReadStatAsync(int pid, CancellationToken cancellationToken) =>
        ProcStat.Parse(await ReadTextAsync(pid, "stat", cancellationToken));

    /// <summary>Reads <c>/proc/PID/cmdline</c> as its NUL-separated arguments (empty for kernel threads and zombies).</summary>
    public async Task<IReadOnlyList<string>> ReadCommandLineAsync(int pid, CancellationToken cancellationToken)
    {
        var text = (await ReadTextAsync(pid, "cmdline", cancellationToken)).TrimEnd('\0');
        return text.Length == 0 ? [] : text.Split('\0');
    }

    /// <summary>Reads and parses <c>/proc/PID/cgroup</c> (v1 and v2 lines).</summary>
    public async Task<IReadOnlyList<CgroupEntry>> ReadCgroupsAsync(int pid, CancellationToken cancellationToken) =>
        CgroupEntry.ParseAll(await ReadTextAsync(pid, "cgroup", cancellationToken));

    /// <summary>Reads and parses <c>/proc/PID/mountinfo</c>: the mounts of the process's mount namespace, seen from its root.</summary>
    public async Task<IReadOnlyList<MountInfo>> ReadMountInfoAsync(int pid, CancellationToken cancellationToken) =>
        MountInfo.ParseAll(await ReadTextAsync(pid, "mountinfo", cancellationToken));

    /// <summary>The inode of one namespace of <paramref name="pid"/>, or <see langword="null"/> when the kernel lacks that kind.</summary>
    public ulong? ReadNamespaceInode(int pid, NamespaceKind kind)
    {
        var path = Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture), "ns", NamespaceKinds.FileName(kind));
        string? target;
        try
        {
            target = new FileInfo(path).LinkTarget;
        }
        catch (IOException e) when (IsGone(pid, e))
        {
            throw new ProcessGoneException(pid, path, e);
        }

        if (target is null)
        {
            return Directory.Exists(Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture)))
                ? null
                : throw new ProcessGoneException(pid, path);
        }

        // "net:[4026531840]"
        var open = target.IndexOf('[');
        var close = target.IndexOf(']');
        return ulong.Parse(target.AsSpan(open + 1, close - open - 1), CultureInfo.InvariantCulture);
    }

    /// <summary>All namespaces of <paramref name="pid"/> that this kernel has.</summary>
    public IReadOnlyDictionary<NamespaceKind, ulong> ReadNamespaces(int pid)
    {
        var result = new Dictionary<NamespaceKind, ulong>();
        foreach (var kind in NamespaceKinds.All)
        {
            if (ReadNamespaceInode(pid, kind) is { } inode)
            {
                result[kind] = inode;
            }
        }

        return result;
    }

    /// <summary>Where <c>/proc/PID/{name}</c> points (<c>root</c>, <c>cwd</c>, <c>exe</c>, <c>fd/1</c>…), as the reader sees it.</summary>
    public string ReadLink(int pid, string name)
    {
        var path = Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture), name);
        try
        {
            return new FileInfo(path).LinkTarget ?? throw new ProcessGoneException(pid, path);
        }
        catch (IOException e) when (IsGone(pid, e))
        {
            throw new ProcessGoneException(pid, path, e);
        }
    }

    /// <summary>
    /// <see langword="true"/> when the kernel lists children under <c>/proc/PID/task/TID/children</c>
    /// (CONFIG_PROC_CHILDREN); without it children are found by scanning every process's parent.
    /// </summary>
    public bool HasChildrenFiles(int pid) =>
        File.Exists(Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture), "task", pid.ToString(CultureInfo.InvariantCulture), "children"));

    /// <summary>The direct children of <paramref name="pid"/> (see <see cref="HasChildrenFiles"/>).</summary>
    public async Task<IReadOnlyList<int>> ReadChildrenAsync(int pid, CancellationToken cancellationToken)
    {
        if (!HasChildrenFiles(pid))
        {
            var parents = await ReadParentsAsync(cancellationToken);
            return parents.Where(p => p.Value == pid).Select(p => p.Key).Order().ToArray();
        }

        var taskDir = Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture), "task");
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories(taskDir);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new ProcessGoneException(pid, taskDir, e);
        }

        var children = new List<int>();
        foreach (var task in tasks)
        {
            var text = await ReadOptionalAsync(Path.Combine(task, "children"), cancellationToken) ?? "";
            children.AddRange(text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)));
        }

        return children;
    }

    /// <summary>Every live process's parent PID (PID → PPid), read in one pass.</summary>
    public async Task<IReadOnlyDictionary<int, int>> ReadParentsAsync(CancellationToken cancellationToken)
    {
        var parents = new Dictionary<int, int>();
        foreach (var pid in ListPids())
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                parents[pid] = (await ReadStatAsync(pid, cancellationToken)).ParentPid;
            }
            catch (ProcessGoneException)
            {
                // It exited between the listing and the read: it has no children worth finding.
                continue;
            }
        }

        return parents;
    }

    /// <summary>
    /// The processes descended from <paramref name="pid"/> (its children, theirs, …), parents before children,
    /// from one pass over every process's parent.
    /// </summary>
    public async Task<IReadOnlyList<int>> ReadDescendantsAsync(int pid, CancellationToken cancellationToken)
    {
        var parents = await ReadParentsAsync(cancellationToken);
        var tree = new List<int> { pid };
        for (var i = 0; i < tree.Count; i++)
        {
            tree.AddRange(parents.Where(p => p.Value == tree[i]).Select(p => p.Key));
        }

        return tree[1..];
    }

    /// <summary>Reads <c>/proc/PID/{file}</c> whole.</summary>
    /// <remarks>
    /// Read synchronously: the kernel makes a procfs file up in memory, and .NET's asynchronous file read only runs the
    /// same read on a thread-pool thread, at several times its cost. Finding a container by ID reads every process's
    /// cgroup file, and was most of the in-pod restore's target step (5-9 ms against 1 ms standalone).
    /// </remarks>
    public Task<string> ReadTextAsync(int pid, string file, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture), file);
        try
        {
            return Task.FromResult(ReadNow(path));
        }
        catch (IOException e) when (IsGone(pid, e))
        {
            throw new ProcessGoneException(pid, path, e);
        }
    }

    private static Task<string?> ReadOptionalAsync(string path, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return Task.FromResult<string?>(ReadNow(path));
        }
        catch (IOException)
        {
            // The thread exited while we listed its siblings: it has no children to report.
            return Task.FromResult<string?>(null);
        }
    }

    // A procfs file is made up in memory: its read never waits for a disk (see ReadTextAsync).
#pragma warning disable CA1849
    private static string ReadNow(string path) => File.ReadAllText(path);
#pragma warning restore CA1849

    // FileNotFound/DirectoryNotFound (no such PID) and an error on a PID that has since disappeared (ESRCH
    // while reading an exiting process) both mean "gone"; any other I/O error is real and propagates as is.
    private bool IsGone(int pid, IOException error) =>
        error is FileNotFoundException or DirectoryNotFoundException
        || !Directory.Exists(Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture)));
}
