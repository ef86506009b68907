namespace Cryo.Agent.Containers;

/// <summary>Maps <see cref="NamespaceKind"/> to the file names under <c>/proc/PID/ns</c>.</summary>
public static class NamespaceKinds
{
    /// <summary>Every kind, in the order CRIU and the kernel usually list them.</summary>
    public static IReadOnlyList<NamespaceKind> All { get; } = Enum.GetValues<NamespaceKind>();

    /// <summary>The file name under <c>/proc/PID/ns</c> for <paramref name="kind"/> (e.g. <c>net</c>).</summary>
    public static string FileName(NamespaceKind kind) => kind switch
    {
        NamespaceKind.Pid => "pid",
        NamespaceKind.Mnt => "mnt",
        NamespaceKind.Net => "net",
        NamespaceKind.Uts => "uts",
        NamespaceKind.Ipc => "ipc",
        NamespaceKind.Cgroup => "cgroup",
        NamespaceKind.User => "user",
        NamespaceKind.Time => "time",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown namespace kind"),
    };
}
