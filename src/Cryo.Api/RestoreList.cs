namespace Cryo.Api;

/// <summary>A list of Restores as the API server returns it.</summary>
public sealed class RestoreList() : CryoResourceList<Restore>("RestoreList");
