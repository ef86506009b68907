namespace Cryo.Agent.Tests.Support;

/// <summary>
/// Tests whose lazy restores run page servers under the engines' shared cgroup parent (cryo-lazy-pages), which some
/// of them throttle to hold a transfer mid-way: they run one at a time, so one test's throttle never slows another's
/// transfer past its patience.
/// </summary>
[CollectionDefinition(Name)]
public sealed class LazyPagesCollection
{
    public const string Name = "lazy pages";
}
