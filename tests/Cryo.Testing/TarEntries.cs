using System.Formats.Tar;

namespace Cryo.Testing;

/// <summary>An archive's entries by name, with their contents (empty for directories).</summary>
public static class TarEntries
{
    public static Dictionary<string, byte[]> Read(string path) => Read(File.ReadAllBytes(path));

    public static Dictionary<string, byte[]> Read(byte[] tar)
    {
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using var reader = new TarReader(new MemoryStream(tar));
        while (reader.GetNextEntry() is { } entry)
        {
            using var data = new MemoryStream();
            entry.DataStream?.CopyTo(data);
            entries[entry.Name] = data.ToArray();
        }

        return entries;
    }
}
