using System.Security.Cryptography;
using Cryo.Api;

namespace Cryo.Operator.RestoreSets;

/// <summary>
/// Names of a RestoreSet's pods: <c>&lt;set&gt;-&lt;5 characters&gt;</c> from the alphabet Kubernetes uses for
/// generated names (no vowels, no 0/1/3, so no words and nothing to misread). A copy's Restore takes its pod's name.
/// </summary>
public static class CopyNames
{
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>A new name for a pod of <paramref name="set"/>.</summary>
    public static string New(RestoreSet set) => $"{set.Metadata.Name}-{RandomNumberGenerator.GetString(Alphabet, 5)}";
}
