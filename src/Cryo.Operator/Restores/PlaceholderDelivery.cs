namespace Cryo.Operator.Restores;

/// <summary>How the placeholder program reaches a restore pod's container (<c>Operator__PlaceholderDelivery</c>).</summary>
public enum PlaceholderDelivery
{
    /// <summary>
    /// A CSI ephemeral inline volume of the agent's driver (<c>placeholder.cryo.io</c>), read-only at <c>/.cryo</c>:
    /// no init container, so the kubelet starts the pod in one pass. Needs the chart's CSIDriver object and the
    /// agent's CSI plugin on the node.
    /// </summary>
    Csi,

    /// <summary>
    /// An init container of the agent image copies the program into an emptyDir: for clusters that cannot run the
    /// driver. Costs the kubelet a second pass (about 2 s on a real node) before the placeholder starts.
    /// </summary>
    InitContainer,
}
