namespace Cryo.Kubectl;

/// <summary>
/// Cryo's API group and the resources the plugin reads and writes. The same names as Cryo.Api.CryoNames and the
/// CRDs in crds/ (the plugin cannot reference Cryo.Api; its tests run it against the API test server serving those CRDs).
/// </summary>
public static class CryoKinds
{
    /// <summary>The API group.</summary>
    public const string Group = "cryo.io";

    /// <summary>The served version.</summary>
    public const string Version = "v1alpha1";

    /// <summary><c>apiVersion</c> of every Cryo object.</summary>
    public const string ApiVersion = Group + "/" + Version;

    /// <summary>Checkpoints.</summary>
    public static readonly Kind Checkpoint = new("Checkpoint", "checkpoints", "kubectl cryo ls");

    /// <summary>Restores.</summary>
    public static readonly Kind Restore = new("Restore", "restores", "kubectl get restores.cryo.io");

    /// <summary>The phase of a finished object.</summary>
    public static bool IsFinished(string? phase) => phase is "Succeeded" or "Failed";

    /// <summary>Annotation on a restored pod naming the container the processes were restored into.</summary>
    public const string PlaceholderContainerAnnotation = "cryo.io/placeholder-container";

    /// <summary>A kind and its plural (the URL segment).</summary>
    /// <param name="Name">The kind, e.g. <c>Checkpoint</c>.</param>
    /// <param name="Plural">The resource, e.g. <c>checkpoints</c>.</param>
    /// <param name="ListCommand">The command a user runs to see the objects of this kind (named when one is missing).</param>
    public sealed record Kind(string Name, string Plural, string ListCommand)
    {
        /// <summary>How kubectl names an object of this kind: <c>checkpoint.cryo.io/web-1</c>.</summary>
        public string Qualified(string name) => $"{Name.ToLowerInvariant()}.{Group}/{name}";
    }
}
