using System.Globalization;

namespace Cryo.Agent.Tests.Support;

/// <summary>
/// A workload holding one established TCP connection over its own loopback, used in both directions:
/// the client sends 1, 2, 3, … every 50 ms, the server answers each with <c>ack N</c>, and the client
/// prints the answers. New acks on standard output prove the connection carries data both ways.
/// </summary>
public static class EchoingConnection
{
    /// <summary>The busybox script.</summary>
    public const string Script =
        "nc -l -p 7000 -e sh -c 'while read l; do echo \"ack $l\"; done' &\n" +
        "sleep 0.3\n" +
        "i=0\nwhile :; do i=$((i+1)); echo $i; sleep 0.05; done | nc 127.0.0.1 7000\n";

    /// <summary>The last acknowledged number in the output, or 0.</summary>
    public static int LastAck(string output) =>
        output.Split('\n').SkipLast(1)
            .Select(line => line.StartsWith("ack ", StringComparison.Ordinal) && int.TryParse(line.AsSpan(4).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0)
            .DefaultIfEmpty(0)
            .Max();
}
