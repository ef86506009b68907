namespace Cryo.Agent.Containers;

/// <summary>The fields of <c>/proc/PID/status</c> that resolution needs.</summary>
/// <param name="Pid">The PID as seen from the reader's PID namespace.</param>
/// <param name="ParentPid">PPid: the parent's PID in the reader's namespace, 0 when the parent is not visible.</param>
/// <param name="Name">The short command name (<c>Name:</c>, at most 15 characters).</param>
/// <param name="State">The state letter (R, S, D, Z, T…).</param>
/// <param name="NamespacePids">
/// NSpid: the PID in each nested PID namespace, outermost (the reader's) first, innermost last.
/// </param>
public sealed record ProcStatus(int Pid, int ParentPid, string Name, char State, IReadOnlyList<int> NamespacePids)
{
    /// <summary>The PID in the process's own (innermost) PID namespace.</summary>
    public int InnermostPid => NamespacePids.Count > 0 ? NamespacePids[^1] : Pid;

    /// <summary><see langword="true"/> for a zombie: exited, not yet reaped.</summary>
    public bool IsZombie => State == 'Z';

    /// <summary>Parses the text of <c>/proc/PID/status</c>.</summary>
    /// <exception cref="FormatException">A required field is missing or malformed.</exception>
    public static ProcStatus Parse(string text)
    {
        int? pid = null, ppid = null;
        var name = "";
        var state = '?';
        int[]? nspid = null;
        foreach (var rawLine in text.Split('\n'))
        {
            var colon = rawLine.IndexOf(':');
            if (colon <= 0)
            {
                continue;
            }

            var key = rawLine[..colon];
            var value = rawLine[(colon + 1)..].Trim();
            switch (key)
            {
                case "Name":
                    name = value;
                    break;
                case "State":
                    state = value.Length > 0 ? value[0] : '?';
                    break;
                case "Pid":
                    pid = int.Parse(value);
                    break;
                case "PPid":
                    ppid = int.Parse(value);
                    break;
                case "NSpid":
                    nspid = value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
                    break;
            }
        }

        if (pid is null || ppid is null)
        {
            throw new FormatException("status text lacks Pid: or PPid:");
        }

        return new ProcStatus(pid.Value, ppid.Value, name, state, nspid ?? [pid.Value]);
    }
}
