namespace Cryo.Agent.Containers;

/// <summary>The fields of <c>/proc/PID/stat</c> that resolution needs.</summary>
/// <param name="Pid">The PID in the reader's namespace.</param>
/// <param name="Command">comm, without the parentheses.</param>
/// <param name="State">The state letter.</param>
/// <param name="ParentPid">The parent's PID.</param>
/// <param name="ProcessGroup">The process group ID.</param>
/// <param name="Session">The session ID (0 when the session leader is outside the reader's PID namespace).</param>
/// <param name="TtyNumber">tty_nr: the controlling terminal's device number, 0 when there is none.</param>
/// <param name="StartTime">Start time in clock ticks after boot; with the PID it identifies a process despite PID reuse.</param>
public sealed record ProcStat(int Pid, string Command, char State, int ParentPid, int ProcessGroup, int Session,
    int TtyNumber, ulong StartTime)
{
    /// <summary><see langword="true"/> when the process has a controlling terminal.</summary>
    public bool HasControllingTerminal => TtyNumber != 0;

    /// <summary>Major device number of the controlling terminal (136+ for /dev/pts).</summary>
    public int TtyMajor => (TtyNumber >> 8) & 0xfff;

    /// <summary>Minor device number of the controlling terminal.</summary>
    public int TtyMinor => (TtyNumber & 0xff) | ((TtyNumber >> 12) & 0xfff00);

    /// <summary>Parses the one line of <c>/proc/PID/stat</c>.</summary>
    /// <exception cref="FormatException">The line is malformed.</exception>
    public static ProcStat Parse(string text)
    {
        // comm may contain spaces and parentheses: it ends at the LAST ')'.
        var open = text.IndexOf('(');
        var close = text.LastIndexOf(')');
        if (open < 0 || close < open)
        {
            throw new FormatException("stat text lacks (comm)");
        }

        var pid = int.Parse(text.AsSpan(0, open).Trim());
        var command = text[(open + 1)..close];
        var rest = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // rest[0] is field 3 (state); field N is rest[N - 3].
        if (rest.Length < 20)
        {
            throw new FormatException($"stat text has only {rest.Length + 2} fields");
        }

        return new ProcStat(pid, command, rest[0][0], int.Parse(rest[1]), int.Parse(rest[2]), int.Parse(rest[3]),
            int.Parse(rest[4]), ulong.Parse(rest[19]));
    }
}
