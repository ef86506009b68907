namespace Cryo.Testing.Agent.Harness;

/// <summary>An extra bind mount into a container-shaped workload (like a Kubernetes volume or /etc/hosts).</summary>
/// <param name="HostPath">The host file or directory.</param>
/// <param name="ContainerPath">Where it appears inside the container, absolute (e.g. <c>/etc/hosts</c>).</param>
/// <param name="ReadOnly">Remount it read-only.</param>
public sealed record BindMount(string HostPath, string ContainerPath, bool ReadOnly = false);
