using System.Globalization;

namespace Cryo.Criu;

/// <summary>A CRIU release number as printed by <c>criu --version</c> (<c>Version: 4.2.1</c>).</summary>
public sealed record CriuVersion(int Major, int Minor, int Patch) : IComparable<CriuVersion>
{
    /// <summary>The oldest CRIU Cryo works with: 4.1 cannot dump TCP/UDP sockets on kernels ≥ 6.16.</summary>
    public static readonly CriuVersion Minimum = new(4, 2, 0);

    /// <summary>Parses the output of <c>criu --version</c>, or a bare version such as <c>4.2.1</c>.</summary>
    public static CriuVersion Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var line = text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("Version:", StringComparison.Ordinal))
                   ?? text.Trim();
        var value = line.StartsWith("Version:", StringComparison.Ordinal) ? line["Version:".Length..].Trim() : line;
        var parts = value.Split('.', '-', ' ');
        if (parts.Length < 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
        {
            throw new FormatException($"not a CRIU version: '{text.Trim()}'");
        }
        var patch = parts.Length > 2 && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0;
        return new CriuVersion(major, minor, patch);
    }

    public int CompareTo(CriuVersion? other) =>
        other is null ? 1 : (Major, Minor, Patch).CompareTo((other.Major, other.Minor, other.Patch));

    public static bool operator <(CriuVersion a, CriuVersion b) => a.CompareTo(b) < 0;
    public static bool operator >(CriuVersion a, CriuVersion b) => a.CompareTo(b) > 0;
    public static bool operator <=(CriuVersion a, CriuVersion b) => a.CompareTo(b) <= 0;
    public static bool operator >=(CriuVersion a, CriuVersion b) => a.CompareTo(b) >= 0;

    public override string ToString() => $"{Major}.{Minor}.{Patch}";
}
