using Cryo.Operator.Configuration;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Metrics;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cryo.Operator.Leadership;

/// <summary>
/// Leader election on a coordination.k8s.io Lease, after client-go's: the holder renews every retry
/// period; a candidate takes over only when the record has not changed for a whole lease duration as
/// observed on its own clock (so clock skew between replicas does not matter); a leader that cannot
/// renew within the renew deadline stops leading. On shutdown the leader releases the Lease.
/// </summary>
public sealed class LeaseElection(
    IKubernetes client,
    IOptions<OperatorOptions> options,
    OperatorMetrics metrics,
    TimeProvider clock,
    ILogger<LeaseElection> logger)
{
    private readonly LeaderElectionOptions settings = options.Value.LeaderElection;
    private string? observedRecord;
    private DateTimeOffset observedAt;

    /// <summary>True while this replica leads.</summary>
    public bool IsLeader { get; private set; }

    /// <summary>
    /// Runs <paramref name="leaderWork"/> whenever this replica leads, cancelling it when leadership is lost,
    /// until <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> leaderWork, CancellationToken cancellationToken)
    {
        CancellationTokenSource? leading = null;
        Task? work = null;
        var lastRenew = DateTimeOffset.MinValue;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var held = await TryAcquireOrRenewAsync(cancellationToken);
                var now = clock.GetUtcNow();
                if (held == true)
                {
                    lastRenew = now;
                }

                // An unanswered renewal keeps leadership until the renew deadline; another holder ends it at once.
                var lead = held == true || (held is null && IsLeader && now - lastRenew < settings.RenewDeadline);
                if (lead && !IsLeader)
                {
                    logger.LogInformation("became leader on Lease {Namespace}/{Name} as {Identity}", settings.LeaseNamespace, settings.LeaseName, settings.Identity);
                    SetLeader(true);
#pragma warning disable CA2000 // Owned by this loop until StopAsync cancels and disposes it (on losing the lease or on the way out).
                    leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
#pragma warning restore CA2000
                    work = Task.Run(() => leaderWork(leading.Token), CancellationToken.None);
                }
                else if (!lead && IsLeader)
                {
                    logger.LogWarning("lost leadership on Lease {Namespace}/{Name}", settings.LeaseNamespace, settings.LeaseName);
                    await StopAsync(leading, work);
                    (leading, work) = (null, null);
                }

                if (work is { IsCompleted: true } && IsLeader)
                {
                    await work; // surfaces a crash of the leader's work instead of leading idly
                }

                await Task.Delay(settings.RetryPeriod, clock, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            var wasLeader = IsLeader;
            await StopAsync(leading, work);
            if (wasLeader)
            {
                await ReleaseAsync();
            }

            SetLeader(false);
        }
    }

    /// <returns>True when this replica holds the Lease, false when another does, null when the API could not tell.</returns>
    private async Task<bool?> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        try
        {
            V1Lease lease;
            try
            {
                lease = await client.CoordinationV1.ReadNamespacedLeaseAsync(settings.LeaseName, settings.LeaseNamespace, cancellationToken: cancellationToken);
            }
            catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
            {
                await client.CoordinationV1.CreateNamespacedLeaseAsync(NewLease(now), settings.LeaseNamespace, cancellationToken: cancellationToken);
                return true;
            }

            var spec = lease.Spec ??= new V1LeaseSpec();
            var record = $"{spec.HolderIdentity}|{spec.RenewTime:O}|{spec.LeaseTransitions}";
            if (record != observedRecord)
            {
                (observedRecord, observedAt) = (record, clock.GetUtcNow());
            }

            var mine = spec.HolderIdentity == settings.Identity;
            var expired = string.IsNullOrEmpty(spec.HolderIdentity) ||
                          clock.GetUtcNow() - observedAt > TimeSpan.FromSeconds(spec.LeaseDurationSeconds ?? (int)settings.LeaseDuration.TotalSeconds);
            if (!mine && !expired)
            {
                return false;
            }

            if (!mine)
            {
                spec.LeaseTransitions = (spec.LeaseTransitions ?? 0) + 1;
                spec.AcquireTime = now;
                spec.HolderIdentity = settings.Identity;
            }

            spec.RenewTime = now;
            spec.LeaseDurationSeconds = (int)Math.Ceiling(settings.LeaseDuration.TotalSeconds);
            await client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, settings.LeaseName, settings.LeaseNamespace, cancellationToken: cancellationToken);
            return true;
        }
        catch (HttpOperationException e) when (ApiErrors.IsConflict(e))
        {
            return false; // someone else wrote the Lease first; look again next period
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "could not read or renew Lease {Namespace}/{Name}", settings.LeaseNamespace, settings.LeaseName);
            return null;
        }
    }

    private V1Lease NewLease(DateTime now) => new()
    {
        Metadata = new V1ObjectMeta { Name = settings.LeaseName, NamespaceProperty = settings.LeaseNamespace },
        Spec = new V1LeaseSpec
        {
            HolderIdentity = settings.Identity,
            AcquireTime = now,
            RenewTime = now,
            LeaseDurationSeconds = (int)Math.Ceiling(settings.LeaseDuration.TotalSeconds),
            LeaseTransitions = 0,
        },
    };

    private async Task ReleaseAsync()
    {
        // Give the Lease up so a standby takes over at once instead of after a lease duration.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            var lease = await client.CoordinationV1.ReadNamespacedLeaseAsync(settings.LeaseName, settings.LeaseNamespace, cancellationToken: timeout.Token);
            if (lease.Spec?.HolderIdentity == settings.Identity)
            {
                lease.Spec.HolderIdentity = null;
                lease.Spec.LeaseDurationSeconds = 1;
                await client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, settings.LeaseName, settings.LeaseNamespace, cancellationToken: timeout.Token);
            }
        }
        catch (Exception e) when (e is HttpOperationException or OperationCanceledException or HttpRequestException)
        {
            logger.LogWarning(e, "could not release Lease {Namespace}/{Name}; a standby takes over once it expires", settings.LeaseNamespace, settings.LeaseName);
        }
    }

    private async Task StopAsync(CancellationTokenSource? leading, Task? work)
    {
        if (leading is null || work is null)
        {
            return;
        }

        await leading.CancelAsync();
        try
        {
            await work;
        }
        catch (OperationCanceledException)
        {
            // The leader's work ends by cancellation.
        }
        finally
        {
            leading.Dispose();
            SetLeader(false);
        }
    }

    private void SetLeader(bool value)
    {
        IsLeader = value;
        metrics.IsLeader.Set(value ? 1 : 0);
    }
}
