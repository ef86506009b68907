using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Cryo.Operator.KubernetesApi;

/// <summary>
/// Writes core/v1 Events about Cryo's objects (what <c>kubectl describe</c> shows). Best effort: an Event
/// that cannot be written is logged, never fails the reconcile pass.
/// </summary>
public sealed class EventRecorder(IKubernetes client, TimeProvider clock, ILogger<EventRecorder> logger)
{
    /// <summary>Records a Normal event.</summary>
    public Task NormalAsync(IKubernetesObject<V1ObjectMeta> obj, string reason, string message, CancellationToken cancellationToken) =>
        RecordAsync(obj, "Normal", reason, message, cancellationToken);

    /// <summary>Records a Warning event.</summary>
    public Task WarningAsync(IKubernetesObject<V1ObjectMeta> obj, string reason, string message, CancellationToken cancellationToken) =>
        RecordAsync(obj, "Warning", reason, message, cancellationToken);

    private async Task RecordAsync(IKubernetesObject<V1ObjectMeta> obj, string type, string reason, string message, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var ev = new Corev1Event
        {
            Metadata = new V1ObjectMeta { GenerateName = obj.Metadata.Name + ".", NamespaceProperty = obj.Metadata.NamespaceProperty },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = obj.ApiVersion,
                Kind = obj.Kind,
                Name = obj.Metadata.Name,
                NamespaceProperty = obj.Metadata.NamespaceProperty,
                Uid = obj.Metadata.Uid,
                ResourceVersion = obj.Metadata.ResourceVersion,
            },
            Type = type,
            Reason = reason,
            Message = message.Length > 1024 ? message[..1024] : message,
            Source = new V1EventSource { Component = Cryo.Api.CryoNames.FieldManager },
            ReportingComponent = "cryo.io/operator",
            ReportingInstance = Environment.MachineName,
            Action = reason,
            FirstTimestamp = now,
            LastTimestamp = now,
            EventTime = now,
            Count = 1,
        };
        try
        {
            await client.CoreV1.CreateNamespacedEventAsync(ev, obj.Metadata.NamespaceProperty, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "could not record event {Reason} for {Namespace}/{Name}", reason, obj.Metadata.NamespaceProperty, obj.Metadata.Name);
        }
    }
}
