namespace Cryo.Agent.Tests.Placeholder;

/// <summary>Placeholder tests share one build of the program.</summary>
[CollectionDefinition(Name)]
public sealed class PlaceholderCollection : ICollectionFixture<PlaceholderBuild>
{
    public const string Name = "placeholder";
}
