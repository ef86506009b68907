using Cryo.Agent.Store;
using Microsoft.Extensions.Options;

namespace Cryo.Agent.Hosting;

/// <summary>Checks the image store's settings at start, naming the setting and switch to fix.</summary>
public sealed class StoreOptionsValidator : IValidateOptions<ImageStoreOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ImageStoreOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.RootDirectory))
        {
            return ValidateOptionsResult.Fail($"{ImageStoreOptions.SectionName}:RootDirectory (--store) is required: the directory checkpoints are kept in");
        }

        return Path.IsPathRooted(options.RootDirectory)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{ImageStoreOptions.SectionName}:RootDirectory (--store) must be an absolute path, got '{options.RootDirectory}'");
    }
}
