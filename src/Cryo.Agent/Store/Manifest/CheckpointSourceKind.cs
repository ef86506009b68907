using System.Text.Json.Serialization;

namespace Cryo.Agent.Store.Manifest;

/// <summary>What kind of process tree was checkpointed. Written as <c>"container"</c> / <c>"process"</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CheckpointSourceKind>))]
public enum CheckpointSourceKind
{
    /// <summary>A container: its own PID, mount, network, IPC and UTS namespaces, cgroup and root filesystem.</summary>
    [JsonStringEnumMemberName("container")]
    Container,

    /// <summary>A plain process tree, e.g. in its own PID namespace but sharing the host's mount and network namespaces.</summary>
    [JsonStringEnumMemberName("process")]
    Process,
}
