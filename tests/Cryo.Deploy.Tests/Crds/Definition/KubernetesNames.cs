using System.Text.RegularExpressions;

namespace Cryo.Deploy.Tests.Crds.Definition;

/// <summary>The name formats of k8s.io/apimachinery/pkg/util/validation, with its messages.</summary>
public static partial class KubernetesNames
{
    /// <summary>Problems of <paramref name="value"/> as an RFC 1035 label (lowercase, starts with a letter, at most 63).</summary>
    public static IReadOnlyList<string> Dns1035LabelProblems(string value)
    {
        var problems = new List<string>();
        if (value.Length > 63)
        {
            problems.Add("must be no more than 63 characters");
        }

        if (!Dns1035Label().IsMatch(value))
        {
            problems.Add("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')");
        }

        return problems;
    }

    /// <summary>Problems of <paramref name="value"/> as an RFC 1123 subdomain (at most 253).</summary>
    public static IReadOnlyList<string> Dns1123SubdomainProblems(string value)
    {
        var problems = new List<string>();
        if (value.Length > 253)
        {
            problems.Add("must be no more than 253 characters");
        }

        if (!Dns1123Subdomain().IsMatch(value))
        {
            problems.Add("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
        }

        return problems;
    }

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035Label();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();
}
