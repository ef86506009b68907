namespace Cryo.Api;

/// <summary>A list of Migrations as the API server returns it.</summary>
public sealed class MigrationList() : CryoResourceList<Migration>("MigrationList");
