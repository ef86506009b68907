namespace Cryo.Operator.Tests.PodSecurity;

/// <summary>
/// The Pod Security Standards' Baseline and Restricted policies as Pod Security Admission enforces them (policy
/// version "latest", Kubernetes 1.30+), from https://kubernetes.io/docs/concepts/security/pod-security-standards/.
/// Each control below names the fields the page lists; a pod passes a level when no control of that level (and, for
/// Restricted, of Baseline) reports a violation. "Containers" means containers, initContainers and
/// ephemeralContainers alike.
/// Baseline: HostProcess; Host Namespaces; Privileged Containers; Capabilities (add only the default set);
/// HostPath Volumes; Host Ports; AppArmor; SELinux; /proc Mount Type; Seccomp (not Unconfined); Sysctls (safe set).
/// Restricted: Volume Types; Privilege Escalation; Running as Non-root; Running as Non-root user; Seccomp (must be set);
/// Capabilities (drop ALL, add only NET_BIND_SERVICE).
/// </summary>
public static class PodSecurityStandards
{
    private static readonly HashSet<string> BaselineCapabilities =
    [
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
        "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    ];

    private static readonly HashSet<string> SafeSysctls =
    [
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    ];

    private static readonly HashSet<string> SeLinuxTypes = ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"];

    /// <summary>What breaks the Baseline policy.</summary>
    public static List<string> BaselineViolations(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var spec = pod.Spec;
        var problems = new List<string>();
        var pc = spec.SecurityContext;
        if (pc?.WindowsOptions?.HostProcess == true) problems.Add("HostProcess: spec.securityContext.windowsOptions.hostProcess");
        if (spec.HostNetwork == true) problems.Add("Host Namespaces: spec.hostNetwork");
        if (spec.HostPID == true) problems.Add("Host Namespaces: spec.hostPID");
        if (spec.HostIPC == true) problems.Add("Host Namespaces: spec.hostIPC");
        foreach (var volume in spec.Volumes ?? [])
        {
            if (volume.HostPath is not null) problems.Add($"HostPath Volumes: spec.volumes[{volume.Name}].hostPath");
        }

        CheckSeLinux(pc?.SeLinuxOptions, "spec.securityContext", problems);
        CheckAppArmor(pc?.AppArmorProfile, "spec.securityContext", problems);
        if (pc?.SeccompProfile?.Type == "Unconfined") problems.Add("Seccomp: spec.securityContext.seccompProfile.type Unconfined");
        foreach (var sysctl in pc?.Sysctls ?? [])
        {
            if (!SafeSysctls.Contains(sysctl.Name)) problems.Add($"Sysctls: {sysctl.Name}");
        }

        foreach (var (annotation, value) in pod.Metadata?.Annotations ?? new Dictionary<string, string>())
        {
            if (annotation.StartsWith("container.apparmor.security.beta.kubernetes.io/", StringComparison.Ordinal)
                && value != "runtime/default" && !value.StartsWith("localhost/", StringComparison.Ordinal))
            {
                problems.Add($"AppArmor: annotation {annotation}={value}");
            }
        }

        foreach (var (where, c) in Containers(spec))
        {
            var sc = c.SecurityContext;
            if (sc?.WindowsOptions?.HostProcess == true) problems.Add($"HostProcess: {where}.securityContext.windowsOptions.hostProcess");
            if (sc?.Privileged == true) problems.Add($"Privileged Containers: {where}.securityContext.privileged");
            foreach (var add in sc?.Capabilities?.Add ?? [])
            {
                if (!BaselineCapabilities.Contains(add)) problems.Add($"Capabilities: {where} adds {add}");
            }

            foreach (var port in c.Ports ?? [])
            {
                if (port.HostPort is { } hostPort && hostPort != 0) problems.Add($"Host Ports: {where} hostPort {hostPort}");
            }

            CheckSeLinux(sc?.SeLinuxOptions, $"{where}.securityContext", problems);
            CheckAppArmor(sc?.AppArmorProfile, $"{where}.securityContext", problems);
            if (sc?.ProcMount is { } procMount && procMount != "Default") problems.Add($"/proc Mount Type: {where} {procMount}");
            if (sc?.SeccompProfile?.Type == "Unconfined") problems.Add($"Seccomp: {where}.securityContext.seccompProfile.type Unconfined");
        }

        return problems;
    }

    /// <summary>What breaks the Restricted policy (Baseline's controls included).</summary>
    public static List<string> RestrictedViolations(V1Pod pod)
    {
        var problems = BaselineViolations(pod);
        var spec = pod.Spec;
        var pc = spec.SecurityContext;
        foreach (var volume in spec.Volumes ?? [])
        {
            var allowed = volume.ConfigMap is not null || volume.Csi is not null || volume.DownwardAPI is not null || volume.EmptyDir is not null
                || volume.Ephemeral is not null || volume.PersistentVolumeClaim is not null || volume.Projected is not null || volume.Secret is not null;
            if (!allowed) problems.Add($"Volume Types: spec.volumes[{volume.Name}] is not configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected or secret");
        }

        if (pc?.RunAsUser == 0) problems.Add("Running as Non-root user: spec.securityContext.runAsUser 0");
        foreach (var (where, c) in Containers(spec))
        {
            var sc = c.SecurityContext;
            if (sc?.AllowPrivilegeEscalation != false) problems.Add($"Privilege Escalation: {where}.securityContext.allowPrivilegeEscalation is not false");
            if (sc?.RunAsNonRoot == false || (sc?.RunAsNonRoot is null && pc?.RunAsNonRoot != true))
            {
                problems.Add($"Running as Non-root: {where} has no runAsNonRoot: true (its own or the pod's)");
            }

            if (sc?.RunAsUser == 0) problems.Add($"Running as Non-root user: {where}.securityContext.runAsUser 0");
            if (sc?.SeccompProfile?.Type is not ("RuntimeDefault" or "Localhost")
                && !(sc?.SeccompProfile is null && pc?.SeccompProfile?.Type is "RuntimeDefault" or "Localhost"))
            {
                problems.Add($"Seccomp: {where} has no RuntimeDefault or Localhost seccompProfile (its own or the pod's)");
            }

            if (sc?.Capabilities?.Drop?.Contains("ALL") != true) problems.Add($"Capabilities: {where} does not drop ALL");
            foreach (var add in sc?.Capabilities?.Add ?? [])
            {
                if (add != "NET_BIND_SERVICE") problems.Add($"Capabilities: {where} adds {add} (only NET_BIND_SERVICE may be added)");
            }
        }

        return problems;
    }

    private static IEnumerable<(string Where, V1Container Container)> Containers(V1PodSpec spec) =>
        (spec.InitContainers ?? []).Select(c => ($"initContainers[{c.Name}]", c))
            .Concat(spec.Containers.Select(c => ($"containers[{c.Name}]", c)))
            .Concat((spec.EphemeralContainers ?? []).Select(e => ($"ephemeralContainers[{e.Name}]",
                new V1Container { Name = e.Name, SecurityContext = e.SecurityContext, Ports = e.Ports })));

    private static void CheckSeLinux(V1SELinuxOptions? options, string where, List<string> problems)
    {
        if (options is null) return;
        if (!SeLinuxTypes.Contains(options.Type ?? "")) problems.Add($"SELinux: {where}.seLinuxOptions.type {options.Type}");
        if (!string.IsNullOrEmpty(options.User)) problems.Add($"SELinux: {where}.seLinuxOptions.user is set");
        if (!string.IsNullOrEmpty(options.Role)) problems.Add($"SELinux: {where}.seLinuxOptions.role is set");
    }

    private static void CheckAppArmor(V1AppArmorProfile? profile, string where, List<string> problems)
    {
        if (profile is not null && profile.Type is not ("RuntimeDefault" or "Localhost")) problems.Add($"AppArmor: {where}.appArmorProfile.type {profile.Type}");
    }
}
