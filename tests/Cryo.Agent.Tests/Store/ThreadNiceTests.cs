using System.Globalization;
using System.Runtime.Versioning;
using Cryo.Agent.Store;
using Xunit;

namespace Cryo.Agent.Tests.Store;

[SupportedOSPlatform("linux")]
public sealed class ThreadNiceTests
{
    [Fact]
    public void Nicer_Should_LowerOnlyThisThreadsPriority_UntilDisposed()
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                var before = ReadThreadNice();
                using (ThreadNice.Nicer(5))
                {
                    Assert.Equal(Math.Min(19, before + 5), ReadThreadNice());
                    Assert.Equal(before, ReadProcessNice());
                }

                Assert.Equal(before, ReadThreadNice());
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();

        Assert.Null(failure);
    }

    // Field 19 of /proc/.../stat is the nice value; the command name (field 2) may contain spaces, so
    // count from the closing parenthesis.
    private static int ReadThreadNice() => ReadNice("/proc/thread-self/stat");

    private static int ReadProcessNice() => ReadNice("/proc/self/stat");

    private static int ReadNice(string path)
    {
        var stat = File.ReadAllText(path);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[16], CultureInfo.InvariantCulture);
    }
}
