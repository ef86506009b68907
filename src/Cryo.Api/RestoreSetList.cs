namespace Cryo.Api;

/// <summary>A list of RestoreSets as the API server returns it.</summary>
public sealed class RestoreSetList() : CryoResourceList<RestoreSet>("RestoreSetList");
