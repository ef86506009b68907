using Microsoft.Extensions.Options;

namespace Cryo.Operator.Configuration;

/// <summary>Fails start-up on a bad setting, naming the environment variable to fix.</summary>
public sealed class OperatorOptionsValidator : IValidateOptions<OperatorOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, OperatorOptions options)
    {
        var failures = new List<string>();
        if (options.AgentPort is < 1 or > 65535)
        {
            failures.Add($"Operator__AgentPort must be a TCP port (1-65535), not {options.AgentPort}");
        }

        Require(failures, options.AgentLabelSelector, "Operator__AgentLabelSelector");
        Require(failures, options.AgentNamespace, "Operator__AgentNamespace");
        if (!Enum.IsDefined(options.PlaceholderDelivery))
        {
            failures.Add($"Operator__PlaceholderDelivery must be Csi or InitContainer, not {options.PlaceholderDelivery}");
        }
        else if (options.PlaceholderDelivery == Restores.PlaceholderDelivery.Csi)
        {
            Require(failures, options.PlaceholderCsiDriver, "Operator__PlaceholderCsiDriver");
        }
        else
        {
            Require(failures, options.PlaceholderImage, "Operator__PlaceholderImage");
        }
        if (options.Workers < 1)
        {
            failures.Add($"Operator__Workers must be at least 1, not {options.Workers}");
        }

        Positive(failures, options.ResyncPeriod, "Operator__ResyncPeriod");
        Positive(failures, options.BackoffBase, "Operator__BackoffBase");
        Positive(failures, options.WatchTimeout, "Operator__WatchTimeout");
        Positive(failures, options.RestoreTimeout, "Operator__RestoreTimeout");
        Positive(failures, options.TransferTimeout, "Operator__TransferTimeout");
        Positive(failures, options.TransferResultKeptFor, "Operator__TransferResultKeptFor");
        Positive(failures, options.TransferRecheckInterval, "Operator__TransferRecheckInterval");
        Positive(failures, options.CopyDeletionPatience, "Operator__CopyDeletionPatience");
        if (options.BackoffMax < options.BackoffBase)
        {
            failures.Add("Operator__BackoffMax must not be shorter than Operator__BackoffBase");
        }

        if (options.RerestoreMaxAttempts < 1)
        {
            failures.Add($"Operator__RerestoreMaxAttempts must be at least 1, not {options.RerestoreMaxAttempts}");
        }

        if (options.StoreCapacityAlarmPercent is < 0 or > 100)
        {
            failures.Add($"Operator__StoreCapacityAlarmPercent must be a percentage (0-100, 0 turns the alarm off), not {options.StoreCapacityAlarmPercent}");
        }

        var election = options.LeaderElection;
        if (election.Enabled)
        {
            Require(failures, election.LeaseName, "Operator__LeaderElection__LeaseName");
            Require(failures, election.LeaseNamespace, "Operator__LeaderElection__LeaseNamespace");
            Require(failures, election.Identity, "Operator__LeaderElection__Identity");
            if (!(election.RetryPeriod < election.RenewDeadline && election.RenewDeadline < election.LeaseDuration))
            {
                failures.Add("Operator__LeaderElection__RetryPeriod < RenewDeadline < LeaseDuration must hold");
            }
        }

        if (options.Tls.Enabled)
        {
            RequireFile(failures, options.Tls.CaFile, "Operator__Tls__CaFile");
            RequireFile(failures, options.Tls.CertFile, "Operator__Tls__CertFile");
            RequireFile(failures, options.Tls.KeyFile, "Operator__Tls__KeyFile");
            Require(failures, options.Tls.AgentServerName, "Operator__Tls__AgentServerName");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Require(List<string> failures, string value, string variable)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            failures.Add($"{variable} must be set");
        }
    }

    private static void RequireFile(List<string> failures, string path, string variable)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            failures.Add($"{variable} must name a PEM file (or set Operator__Tls__Enabled=false on loopback only)");
        }
        else if (!File.Exists(path))
        {
            failures.Add($"{variable}: file {path} does not exist");
        }
    }

    private static void Positive(List<string> failures, TimeSpan value, string variable)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"{variable} must be positive, not {value}");
        }
    }
}
