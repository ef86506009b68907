using Cryo.Api;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Reconciling;
using k8s.Models;

namespace Cryo.Operator.RestoreSets;

/// <summary>
/// What a RestoreSet owns, read afresh from the API server: its copies (its Restores, each with the pod it restores
/// into) and its warm pods (its pods no Restore of the set names). Both carry the set's label; ownership decides. A pass
/// updates the lists as it acts, so the status it writes counts what is left.
/// </summary>
public sealed class SetMembers
{
    private SetMembers(List<Copy> copies, List<WarmPod> warmPods)
    {
        Copies = copies;
        WarmPods = warmPods;
    }

    /// <summary>Every copy, counted or not.</summary>
    public List<Copy> Copies { get; }

    /// <summary>Every warm pod, of any template.</summary>
    public List<WarmPod> WarmPods { get; }

    /// <summary>The copies counted among the set's replicas.</summary>
    public List<Copy> Live => Copies.Where(c => c.IsLive).ToList();

    /// <summary>Reads what <paramref name="set"/> owns.</summary>
    public static async Task<SetMembers> ReadAsync(CryoResources resources, RestoreSet set, CancellationToken cancellationToken)
    {
        var ns = set.Metadata.NamespaceProperty;
        var selector = $"{CryoNames.RestoreSetLabel}={set.Metadata.Name}";
        var restores = (await resources.Restores.ListAsync(ns, selector, cancellationToken)).Items
            .Where(r => Ownership.IsControlledBy(r.Metadata, set) && r.Metadata.DeletionTimestamp is null)
            .ToList();
        var pods = (await resources.Pods.ListAsync(ns, selector, cancellationToken)).ToDictionary(p => p.Metadata.Name);
        var copies = restores.Select(r => Copy.Of(r, TargetOf(r, set, pods))).ToList();
        var claimed = restores.Select(r => r.Spec.ExistingPod?.Name).ToHashSet();
        var warm = pods.Values.Where(p => Ownership.IsControlledBy(p.Metadata, set) && !claimed.Contains(p.Metadata.Name)).Select(p => new WarmPod(p)).ToList();
        return new SetMembers(copies, warm);
    }

    /// <summary>The pod a copy's Restore names, if it is the set's (not handed over yet) or the Restore's.</summary>
    private static V1Pod? TargetOf(Restore restore, RestoreSet set, Dictionary<string, V1Pod> pods) =>
        restore.Spec.ExistingPod?.Name is { } name && pods.TryGetValue(name, out var pod) &&
        (Ownership.IsControlledBy(pod.Metadata, restore) || Ownership.IsControlledBy(pod.Metadata, set))
            ? pod
            : null;
}
