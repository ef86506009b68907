namespace Cryo.Cli;

/// <summary>The CLI's exit codes: 0 only on success.</summary>
public static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;

    /// <summary>The agent refused or failed the operation.</summary>
    public const int Failed = 1;

    /// <summary>The command line is wrong.</summary>
    public const int Usage = 2;

    /// <summary>The agent could not be reached.</summary>
    public const int AgentUnreachable = 3;

    /// <summary>Interrupted (Ctrl+C).</summary>
    public const int Interrupted = 130;
}
