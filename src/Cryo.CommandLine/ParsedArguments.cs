using System.Globalization;

namespace Cryo.CommandLine;

/// <summary>
/// A command line split into the verb, its positional arguments, options with values and flags. Every
/// option and flag must be declared by the verb; anything else is a usage error naming it.
/// </summary>
public sealed class ParsedArguments
{
    private readonly Dictionary<string, string> values = new(StringComparer.Ordinal);
    private readonly HashSet<string> flags = new(StringComparer.Ordinal);

    private readonly CommandSyntax syntax;

    private ParsedArguments(CommandSyntax syntax, string verb)
    {
        this.syntax = syntax;
        Verb = verb;
    }

    /// <summary>The verb (<c>checkpoint</c>, <c>restore</c>, …); empty when none was given.</summary>
    public string Verb { get; }

    /// <summary>Positional arguments after the verb.</summary>
    public List<string> Positionals { get; } = [];

    /// <summary>Splits <paramref name="args"/>: <c>--name value</c>, <c>--name=value</c>, flags, positionals.</summary>
    /// <param name="syntax">The command's global options and short forms.</param>
    /// <param name="args">The command line.</param>
    /// <param name="optionsOf">The options (taking a value) each verb accepts, besides the global ones.</param>
    /// <param name="flagsOf">The flags each verb accepts.</param>
    public static ParsedArguments Parse(CommandSyntax syntax, IReadOnlyList<string> args, Func<string, IReadOnlyCollection<string>> optionsOf, Func<string, IReadOnlyCollection<string>> flagsOf)
    {
        ArgumentNullException.ThrowIfNull(syntax);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(optionsOf);
        ArgumentNullException.ThrowIfNull(flagsOf);
        var verb = FindVerb(syntax, args);
        var parsed = new ParsedArguments(syntax, verb);
        var options = optionsOf(verb).Concat(syntax.GlobalOptions).ToHashSet(StringComparer.Ordinal);
        var verbFlags = flagsOf(verb).Append("--help").ToHashSet(StringComparer.Ordinal);
        var verbSeen = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith('-') || arg == "-")
            {
                if (!verbSeen && arg == verb)
                {
                    verbSeen = true;
                }
                else
                {
                    parsed.Positionals.Add(arg);
                }

                continue;
            }

            var (name, inline) = arg.Split('=', 2) is [var n, var v] ? (n, v) : (arg, (string?)null);
            name = name == "-h" ? "--help" : syntax.LongName(name);
            if (verbFlags.Contains(name))
            {
                if (inline is not null)
                {
                    throw new UsageException($"{name} takes no value");
                }

                parsed.flags.Add(name);
            }
            else if (options.Contains(name))
            {
                var value = inline ?? (i + 1 < args.Count ? args[++i] : throw new UsageException($"{name} needs a value"));
                if (!parsed.values.TryAdd(name, value))
                {
                    throw new UsageException($"{name} given twice");
                }
            }
            else
            {
                throw new UsageException(verb.Length == 0 ? $"unknown option {name}" : $"unknown option {name} for '{syntax.Program} {verb}'");
            }
        }

        return parsed;
    }

    // The first word that is neither an option nor a global option's value: `cryo --socket /x ls` is `ls`.
    private static string FindVerb(CommandSyntax syntax, IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith('-'))
            {
                return args[i];
            }

            if (syntax.GlobalOptions.Contains(syntax.LongName(args[i])))
            {
                i++;
            }
        }

        return string.Empty;
    }

    /// <summary>True when the flag was given.</summary>
    public bool Flag(string name) => flags.Contains(name);

    /// <summary>The option's value, or <see langword="null"/>.</summary>
    public string? Value(string name) => values.GetValueOrDefault(name);

    /// <summary>The option's value as a positive integer, or <see langword="null"/>.</summary>
    public int? PositiveInt(string name)
    {
        if (Value(name) is not { } text)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new UsageException($"{name} must be a positive whole number, got '{text}'");
    }

    /// <summary>The single positional argument the verb needs (e.g. the checkpoint's name).</summary>
    public string SinglePositional(string what)
    {
        return Positionals.Count switch
        {
            1 => Positionals[0],
            0 => throw new UsageException($"'{syntax.Program} {Verb}' needs the {what}"),
            _ => throw new UsageException($"'{syntax.Program} {Verb}' takes one {what}, got {string.Join(" ", Positionals)}"),
        };
    }

    /// <summary>Fails when positional arguments were given to a verb that takes none.</summary>
    public void NoPositionals()
    {
        if (Positionals.Count > 0)
        {
            throw new UsageException($"'{syntax.Program} {Verb}' takes no arguments, got {string.Join(" ", Positionals)}");
        }
    }
}
