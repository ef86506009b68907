namespace Cryo.Agent.Interop;

/// <summary>What <see cref="LayerConversion.ToKubeletAsync"/> found besides the files.</summary>
/// <param name="DeletedFiles">Paths the layer deleted, absolute: the archive's <c>deleted.files</c>.</param>
/// <param name="OpaqueDirectories">Directories the layer replaced wholesale, which <c>deleted.files</c> cannot express.</param>
public sealed record LayerExport(IReadOnlyList<string> DeletedFiles, IReadOnlyList<string> OpaqueDirectories);
