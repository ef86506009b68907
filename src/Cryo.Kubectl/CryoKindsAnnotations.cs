namespace Cryo.Kubectl;

/// <summary>Annotations the plugin writes (the plugin cannot reference Cryo.Api: the names are repeated here, and the tests hold them equal).</summary>
public static class CryoKindsAnnotations
{
    /// <summary>Cryo.Api's <c>CryoNames.ArchiveImportedAnnotation</c>: set once the agent committed an imported Checkpoint's archive.</summary>
    public const string ArchiveImported = "cryo.io/archive-imported";
}
