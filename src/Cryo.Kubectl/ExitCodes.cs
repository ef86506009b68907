namespace Cryo.Kubectl;

/// <summary>The plugin's exit codes: 0 only on success.</summary>
public static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;

    /// <summary>The API server refused the request, or what was waited for failed.</summary>
    public const int Failed = 1;

    /// <summary>The command line is wrong.</summary>
    public const int Usage = 2;

    /// <summary>The cluster could not be reached, or no kubeconfig says where it is.</summary>
    public const int ClusterUnreachable = 3;

    /// <summary>Gave up waiting (--timeout).</summary>
    public const int TimedOut = 4;

    /// <summary>Interrupted (Ctrl+C).</summary>
    public const int Interrupted = 130;
}
