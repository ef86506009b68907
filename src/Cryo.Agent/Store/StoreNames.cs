namespace Cryo.Agent.Store;

/// <summary>
/// Rules for the names that become path components in the store. Kubernetes already restricts these
/// names the same way; the store checks again because the agent must never build a path from an
/// unchecked string (<c>../x</c>, <c>/etc</c>, NUL...).
/// </summary>
public static class StoreNames
{
    /// <summary>Longest namespace (a DNS-1123 label).</summary>
    public const int MaxNamespaceLength = 63;

    /// <summary>Longest checkpoint name (a DNS-1123 subdomain).</summary>
    public const int MaxNameLength = 253;

    /// <summary>Longest UID.</summary>
    public const int MaxUidLength = 64;

    /// <summary>
    /// Longest directory entry on Linux file systems (NAME_MAX). <c>&lt;name&gt;-&lt;uid&gt;</c> is one entry,
    /// so a name and UID both near their own limits cannot be stored together.
    /// </summary>
    public const int MaxDirectoryEntryLength = 255;

    private const string NamespaceRule =
        "a namespace is a DNS-1123 label: 1-63 characters, lowercase letters a-z, digits and '-', starting and ending with a letter or digit";

    private const string NameRule =
        "a checkpoint name is a DNS-1123 subdomain: 1-253 characters, lowercase letters a-z, digits, '-' and '.', starting and ending with a letter or digit, no \"..\"";

    private const string UidRule = "a UID is 1-64 characters, lowercase letters a-z, digits and '-'";

    /// <summary>Throws <see cref="InvalidCheckpointNameException"/> unless <paramref name="value"/> is a valid namespace.</summary>
    public static void ValidateNamespace(string? value)
    {
        if (!IsValidNamespace(value))
        {
            throw new InvalidCheckpointNameException("namespace", value, NamespaceRule);
        }
    }

    /// <summary>Throws <see cref="InvalidCheckpointNameException"/> unless <paramref name="value"/> is a valid checkpoint name.</summary>
    public static void ValidateName(string? value)
    {
        if (!IsValidName(value))
        {
            throw new InvalidCheckpointNameException("name", value, NameRule);
        }
    }

    /// <summary>Throws <see cref="InvalidCheckpointNameException"/> unless <paramref name="value"/> is a valid UID.</summary>
    public static void ValidateUid(string? value)
    {
        if (!IsValidUid(value))
        {
            throw new InvalidCheckpointNameException("uid", value, UidRule);
        }
    }

    /// <summary>Whether <paramref name="value"/> is a DNS-1123 label usable as a namespace.</summary>
    public static bool IsValidNamespace(string? value) =>
        value is { Length: > 0 and <= MaxNamespaceLength }
        && IsAlphanumeric(value[0])
        && IsAlphanumeric(value[^1])
        && value.All(c => IsAlphanumeric(c) || c == '-');

    /// <summary>Whether <paramref name="value"/> is a DNS-1123 subdomain usable as a checkpoint name.</summary>
    public static bool IsValidName(string? value)
    {
        if (value is not { Length: > 0 and <= MaxNameLength } || !IsAlphanumeric(value[0]) || !IsAlphanumeric(value[^1]))
        {
            return false;
        }

        // Each dot-separated part is itself a label: this also rules out "..", ".-" and "-.".
        foreach (var label in value.Split('.'))
        {
            if (label.Length == 0 || !IsAlphanumeric(label[0]) || !IsAlphanumeric(label[^1])
                || !label.All(c => IsAlphanumeric(c) || c == '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="value"/> is usable as a checkpoint UID.</summary>
    public static bool IsValidUid(string? value) =>
        value is { Length: > 0 and <= MaxUidLength } && value.All(c => IsAlphanumeric(c) || c == '-');

    private static bool IsAlphanumeric(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9');
}
