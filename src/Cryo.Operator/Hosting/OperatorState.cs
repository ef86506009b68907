namespace Cryo.Operator.Hosting;

/// <summary>What /readyz reports: a standby replica is ready; the leader once its watches have listed.</summary>
public sealed class OperatorState
{
    private volatile bool leading;
    private volatile bool synced;

    /// <summary>True while this replica runs the controllers.</summary>
    public bool Leading
    {
        get => leading;
        set => leading = value;
    }

    /// <summary>True once the leader's watches have delivered their first lists.</summary>
    public bool Synced
    {
        get => synced;
        set => synced = value;
    }

    /// <summary>Ready to serve: standing by, or leading with synced watches.</summary>
    public bool Ready => !leading || synced;
}
