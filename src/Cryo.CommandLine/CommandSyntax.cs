namespace Cryo.CommandLine;

/// <summary>What a command's lines have in common: its name in messages, the options every verb takes, short forms.</summary>
/// <param name="Program">How a person types the command, e.g. <c>cryo</c> or <c>kubectl cryo</c>.</param>
/// <param name="GlobalOptions">Options (taking a value) every verb accepts.</param>
/// <param name="ShortForms">Short option names and the long ones they stand for (<c>-o</c> → <c>--output</c>).</param>
public sealed record CommandSyntax(string Program, IReadOnlyCollection<string> GlobalOptions, IReadOnlyDictionary<string, string> ShortForms)
{
    /// <summary>The long name of <paramref name="name"/> (itself when it has no short form).</summary>
    public string LongName(string name) => ShortForms.GetValueOrDefault(name, name);
}
