using Cryo.Api;
using k8s;
using k8s.Models;

namespace Cryo.Operator.Restores;

/// <summary>
/// What the pod condition <see cref="CryoNames.RestoredCondition"/> should say: True (reason Restored) once the agent
/// restored into the container's current run, False with a reason and message otherwise. A pod that declares the
/// readiness gate of that name is Ready only while it is True; the operator writes it on such pods only, and only
/// when it differs from what the pod shows (the kubelet owns the pod's other conditions).
/// </summary>
/// <param name="Status"><see cref="ConditionStatus.True"/> or <see cref="ConditionStatus.False"/>.</param>
/// <param name="Reason">A reason from <see cref="ConditionReasons"/>.</param>
/// <param name="Message">What happened, in words.</param>
public sealed record RestoredCondition(string Status, string Reason, string Message)
{
    /// <summary>Pod condition messages are kept short: every pod watcher receives them, and CRIU's log lines can run long.</summary>
    private const int MaxMessageLength = 1024;

    /// <summary>The restore into the current run succeeded.</summary>
    public static RestoredCondition Restored(string message) => new(ConditionStatus.True, ConditionReasons.Restored, Shorten(message));

    /// <summary>The current run holds no restored application, for <paramref name="reason"/>.</summary>
    public static RestoredCondition NotRestored(string reason, string message) => new(ConditionStatus.False, reason, Shorten(message));

    /// <summary>Whether <paramref name="pod"/> declares the readiness gate, so that its readiness waits for the condition.</summary>
    public static bool IsGateOf(V1Pod pod) => pod.Spec?.ReadinessGates?.Any(g => g.ConditionType == CryoNames.RestoredCondition) == true;

    /// <summary>The condition as <paramref name="pod"/> shows it, or null.</summary>
    public static V1PodCondition? On(V1Pod pod) => pod.Status?.Conditions?.FirstOrDefault(c => c.Type == CryoNames.RestoredCondition);

    /// <summary>Whether <paramref name="pod"/> shows this condition already (status, reason and message).</summary>
    public bool IsShownBy(V1Pod pod) => On(pod) is { } shown && shown.Status == Status && shown.Reason == Reason && shown.Message == Message;

    /// <summary>
    /// A strategic merge patch of pods/status that sets this condition on <paramref name="pod"/>. Strategic merge
    /// merges <c>status.conditions</c> by type, so the kubelet's conditions stay as they are (a JSON merge patch would
    /// replace the whole list, a JSON patch address it by index). The pod's UID is a precondition, as in the kubelet's
    /// own status patches: a pod replaced under the same name is not marked. lastTransitionTime moves only when the
    /// status flips.
    /// </summary>
    public V1Patch PatchFor(V1Pod pod, DateTime now)
    {
        var shown = On(pod);
        var transition = shown is not null && shown.Status == Status && shown.LastTransitionTime is { } since ? since : now;
        var patch = new
        {
            metadata = new { uid = pod.Metadata.Uid },
            status = new
            {
                conditions = new[]
                {
                    new V1PodCondition
                    {
                        Type = CryoNames.RestoredCondition,
                        Status = Status,
                        Reason = Reason,
                        Message = Message,
                        LastTransitionTime = transition,
                    },
                },
            },
        };
        return new V1Patch(KubernetesJson.Serialize(patch), V1Patch.PatchType.StrategicMergePatch);
    }

    private static string Shorten(string message) => message.Length > MaxMessageLength ? message[..(MaxMessageLength - 1)] + "…" : message;
}
