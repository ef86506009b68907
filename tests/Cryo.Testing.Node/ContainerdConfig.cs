namespace Cryo.Testing.Node;

/// <summary>
/// The containerd configuration of the harness's own containerd: everything under its directory (root, state,
/// socket, runc's root, netns mounts), the CRI plugin set up as on a kubeadm-style cgroup v1 node (overlayfs,
/// runc v2 shim, cgroupfs), and the settings this kind of VM needs.
/// </summary>
public static class ContainerdConfig
{
    /// <summary>Renders <c>config.toml</c> (version 2).</summary>
    /// <param name="directory">The containerd directory (root/, state/, opt/ and the sockets go there).</param>
    /// <param name="socketPath">The gRPC socket; the ttrpc one is the same path plus <c>.ttrpc</c>.</param>
    /// <param name="cniConfDirectory">Where the CNI network configuration lives.</param>
    /// <param name="sandboxImage">The pause image every pod sandbox runs.</param>
    public static string Render(string directory, string socketPath, string cniConfDirectory, string sandboxImage)
    {
        string Q(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        var root = Path.Combine(directory, "root");
        var state = Path.Combine(directory, "state");
        var cri = "plugins.\"io.containerd.grpc.v1.cri\"";
        return $$"""
            version = 2
            root = {{Q(root)}}
            state = {{Q(state)}}
            # Snapshotters this node does not use: fewer plugins to probe at start.
            disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]

            [grpc]
              address = {{Q(socketPath)}}

            [plugins."io.containerd.internal.v1.opt"]
              path = {{Q(Path.Combine(directory, "opt"))}}

            [{{cri}}]
              sandbox_image = {{Q(sandboxImage)}}
              # No CAP_SYS_RESOURCE on these VMs: without this every sandbox fails with
              # "can't get final child's PID from pipe: EOF" (runc cannot lower oom_score_adj).
              restrict_oom_score_adj = true
              # Sandbox network namespaces are bind-mounted under state/ instead of /var/run/netns.
              netns_mounts_under_state_dir = true
              # A random port: never collides with another containerd's streaming server (default 10010).
              stream_server_address = "127.0.0.1"
              stream_server_port = "0"
              enable_selinux = false

              [{{cri}}.cni]
                bin_dir = "/usr/lib/cni"
                conf_dir = {{Q(cniConfDirectory)}}
                max_conf_num = 1

              [{{cri}}.containerd]
                snapshotter = "overlayfs"
                default_runtime_name = "runc"

                [{{cri}}.containerd.runtimes.runc]
                  runtime_type = "io.containerd.runc.v2"

                  [{{cri}}.containerd.runtimes.runc.options]
                    BinaryName = "/usr/sbin/runc"
                    Root = {{Q(Path.Combine(state, "runc"))}}
                    SystemdCgroup = false

            """;
    }
}
