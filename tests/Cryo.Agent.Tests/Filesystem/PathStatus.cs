using System.Globalization;

namespace Cryo.Agent.Tests.Filesystem;

/// <summary>What stat(1) says about a path (not following a final symlink), for comparing metadata.</summary>
internal sealed record PathStatus(int Uid, int Gid, string Mode, string Type, long Inode, string AccessTime, string ModificationTime)
{
    public static PathStatus Of(string path)
    {
        var fields = Command.Output("stat", "--printf", "%u|%g|%a|%F|%i|%.9X|%.9Y", path).Split('|');
        return new PathStatus(
            int.Parse(fields[0], CultureInfo.InvariantCulture),
            int.Parse(fields[1], CultureInfo.InvariantCulture),
            fields[2],
            fields[3],
            long.Parse(fields[4], CultureInfo.InvariantCulture),
            fields[5],
            fields[6]);
    }
}
