namespace Cryo.Agent.Store;

/// <summary>A file of a pending checkpoint, as the commit lists it.</summary>
/// <param name="FullPath">Its absolute path, checked to be inside the store.</param>
/// <param name="RelativePath">Its path relative to the checkpoint directory, as the manifest names it.</param>
/// <param name="Length">Its size when listed.</param>
internal sealed record PendingFile(string FullPath, string RelativePath, long Length);
