using System.Globalization;
using Cryo.Criu.Running;

namespace Cryo.Criu.Options;

/// <summary>
/// One <c>--inherit-fd fd[N]:KEY</c> of <c>criu restore</c>: the restored tree gets CRIU's descriptor
/// <paramref name="Fd"/> wherever the images recorded the resource <paramref name="Key"/>
/// (e.g. <c>pipe:[103921]</c> for the original container's stdout pipe).
/// </summary>
/// <param name="Fd">Descriptor number open in CRIU's process (see <see cref="CriuLaunch.FdRedirects"/>).</param>
/// <param name="Key">The resource as the images name it: <c>pipe:[INODE]</c>, <c>socket:[INODE]</c>, a path, or an external key.</param>
public sealed record InheritFd(int Fd, string Key)
{
    /// <summary>The value of <c>--inherit-fd</c>, e.g. <c>fd[3]:pipe:[103921]</c>.</summary>
    public string ToArgument()
    {
        if (Fd < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Fd), Fd, "an inherited descriptor number cannot be negative");
        }
        if (string.IsNullOrEmpty(Key))
        {
            throw new ArgumentException($"--inherit-fd fd[{Fd}] needs a resource key");
        }
        return string.Create(CultureInfo.InvariantCulture, $"fd[{Fd}]:{Key}");
    }
}
