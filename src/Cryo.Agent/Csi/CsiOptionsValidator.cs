using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Cryo.Agent.Csi;

/// <summary>Checks <see cref="CsiOptions"/> at start when the driver is enabled; each failure names the setting to fix.</summary>
public sealed partial class CsiOptionsValidator : IValidateOptions<CsiOptions>
{
    private const string Prefix = CsiOptions.Section + ":";

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, CsiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        if (options.DriverName is not { Length: > 0 and <= 63 } driver || !DriverName().IsMatch(driver))
        {
            failures.Add($"{Prefix}DriverName must be a DNS name of at most 63 characters (letters, digits, '-' and '.', starting and ending alphanumeric), got '{options.DriverName}'");
        }

        Absolute(failures, nameof(CsiOptions.SocketPath), options.SocketPath);
        Absolute(failures, nameof(CsiOptions.RegistrationSocketPath), options.RegistrationSocketPath);
        Absolute(failures, nameof(CsiOptions.PublishDirectory), options.PublishDirectory);
        if (Absolute(failures, nameof(CsiOptions.PlaceholderProgram), options.PlaceholderProgram) && !File.Exists(options.PlaceholderProgram))
        {
            failures.Add($"{Prefix}PlaceholderProgram: '{options.PlaceholderProgram}' does not exist (the agent image has it at /usr/local/bin/cryo-placeholder)");
        }

        if (options.SocketPath == options.RegistrationSocketPath)
        {
            failures.Add($"{Prefix}SocketPath and {Prefix}RegistrationSocketPath must differ, both are '{options.SocketPath}'");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool Absolute(List<string> failures, string setting, string? path)
    {
        if (string.IsNullOrWhiteSpace(path) || !Path.IsPathRooted(path))
        {
            failures.Add($"{Prefix}{setting} must be an absolute path, got '{path}'");
            return false;
        }

        return true;
    }

    [GeneratedRegex("^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$")]
    private static partial Regex DriverName();
}
