using Cryo.Agent.Operations;

namespace Cryo.Agent.Csi;

/// <summary>Something other than the placeholder is mounted at a volume's target path (ALREADY_EXISTS): the driver leaves it alone.</summary>
public sealed class PlaceholderTargetTakenException(string targetPath)
    : AgentException($"target_path {targetPath} has another mount on it, not the placeholder this driver publishes; the driver neither mounts over it nor unmounts it")
{
    /// <summary>The target path.</summary>
    public string TargetPath { get; } = targetPath;
}
