namespace Cryo.Deploy.Tests.Images;

/// <summary>A Dockerfile read into instructions: comments dropped, backslash continuations joined.</summary>
public sealed class Dockerfile
{
    private Dockerfile(IReadOnlyList<DockerfileInstruction> instructions) => Instructions = instructions;

    /// <summary>The instructions in order.</summary>
    public IReadOnlyList<DockerfileInstruction> Instructions { get; }

    /// <summary>Stage names (FROM … AS name), in order.</summary>
    public IEnumerable<string> StageNames => Instructions
        .Where(i => i.Keyword == "FROM")
        .Select(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        .Where(words => words.Length == 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase))
        .Select(words => words[2]);

    /// <summary>Parses the text of a Dockerfile.</summary>
    public static Dockerfile Parse(string text)
    {
        var instructions = new List<DockerfileInstruction>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var start = i + 1;
            var joined = line;
            while (joined.EndsWith('\\') && i + 1 < lines.Length)
            {
                var next = lines[++i].Trim();
                joined = joined[..^1] + " " + (next.StartsWith('#') ? string.Empty : next);
            }

            var space = joined.IndexOf(' ');
            instructions.Add(space < 0
                ? new DockerfileInstruction(joined.ToUpperInvariant(), string.Empty, start)
                : new DockerfileInstruction(joined[..space].ToUpperInvariant(), joined[(space + 1)..].Trim(), start));
        }

        return new Dockerfile(instructions);
    }

    /// <summary>
    /// The build-context sources of every COPY/ADD that does not copy from another stage or image, with the
    /// instruction's line. Options (--chown, --chmod, --link) are skipped; the last argument is the destination.
    /// </summary>
    public IEnumerable<(string Source, int Line)> ContextSources() =>
        from instruction in Instructions
        where instruction.Keyword is "COPY" or "ADD"
        let words = instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)
        where !words.Any(w => w.StartsWith("--from=", StringComparison.Ordinal))
        let paths = words.Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList()
        from source in paths.Take(paths.Count - 1)
        select (source, instruction.Line);
}
