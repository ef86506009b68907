using System.Reflection;
using System.Text.Json;

namespace Cryo.Agent.Store.Manifest;

/// <summary>
/// Reads and writes <see cref="CheckpointManifest"/> as camelCase JSON. Reading checks
/// <c>schemaVersion</c> before anything else so a newer layout is refused with a clear reason.
/// </summary>
public static class ManifestSerializer
{
    /// <summary>Serializes a manifest to UTF-8 JSON.</summary>
    public static byte[] Serialize(CheckpointManifest manifest) =>
        JsonSerializer.SerializeToUtf8Bytes(manifest, ManifestJsonContext.Default.CheckpointManifest);

    /// <summary>Parses a manifest, refusing unknown schema versions.</summary>
    /// <param name="json">UTF-8 JSON.</param>
    /// <param name="source">Where it came from, for error messages.</param>
    /// <exception cref="UnsupportedManifestVersionException">The schema version is not between <see cref="CheckpointManifest.OldestReadableSchemaVersion"/> and <see cref="CheckpointManifest.CurrentSchemaVersion"/>.</exception>
    /// <exception cref="InvalidManifestException">Not JSON, not an object, or missing required fields.</exception>
    /// <exception cref="InvalidCheckpointNameException">The key inside is not a valid key.</exception>
    public static CheckpointManifest Deserialize(ReadOnlySpan<byte> json, string source)
    {
        var version = ReadSchemaVersion(json, source);
        if (version is < CheckpointManifest.OldestReadableSchemaVersion or > CheckpointManifest.CurrentSchemaVersion)
        {
            throw new UnsupportedManifestVersionException(source, version);
        }

        try
        {
            return JsonSerializer.Deserialize(json, ManifestJsonContext.Default.CheckpointManifest)
                ?? throw new InvalidManifestException(source, "the document is null");
        }
        catch (JsonException e)
        {
            throw new InvalidManifestException(source, e.Message, e);
        }
        catch (TargetInvocationException e) when (e.InnerException is InvalidCheckpointNameException inner)
        {
            // Reflection-based construction wraps the key's own validation error; surface it as-is.
            throw inner;
        }
    }

    /// <summary>
    /// Writes a manifest to <paramref name="path"/> with mode 0600 and flushes it to disk (fsync), so
    /// that a following rename commits a durable manifest.
    /// </summary>
    public static async Task SaveAsync(CheckpointManifest manifest, string path, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("checkpoint manifests are written on Linux only");
        }

        var bytes = Serialize(manifest);
        var options = new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            Share = FileShare.None,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        await using (var stream = new FileStream(path, options))
        {
            await stream.WriteAsync(bytes, cancellationToken);
#pragma warning disable CA1849 // fsync: FlushAsync has no flush-to-disk form.
            stream.Flush(flushToDisk: true);
#pragma warning restore CA1849
        }

        // UnixCreateMode only applies to a new file and goes through the umask: set the mode explicitly.
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>Reads a manifest from a file.</summary>
    /// <exception cref="InvalidManifestException">Missing, unreadable, not a manifest, or an unsupported version.</exception>
    public static async Task<CheckpointManifest> LoadAsync(string path, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidManifestException(path, e.Message, e);
        }

        return Deserialize(bytes, path);
    }

    /// <summary>Reads a manifest from a file, synchronously.</summary>
    /// <exception cref="InvalidManifestException">Missing, unreadable, not a manifest, or an unsupported version.</exception>
    public static CheckpointManifest Load(string path) => Deserialize(ReadFile(path), path);

    /// <summary>
    /// Reads only the key of a manifest, whatever its schema version, so a store can list checkpoints
    /// written by a newer agent (loading their full manifest is still refused).
    /// </summary>
    /// <exception cref="InvalidManifestException">No readable key.</exception>
    /// <exception cref="InvalidCheckpointNameException">The key is not a valid key.</exception>
    public static CheckpointKey ReadKey(string path)
    {
        var bytes = ReadFile(path);
        try
        {
            using var document = JsonDocument.Parse(bytes);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("key", out var key)
                || key.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidManifestException(path, "no \"key\" object");
            }

            return new CheckpointKey(
                ReadString(key, "namespace", path),
                ReadString(key, "name", path),
                ReadString(key, "uid", path));
        }
        catch (JsonException e)
        {
            throw new InvalidManifestException(path, e.Message, e);
        }
    }

    private static string ReadString(JsonElement element, string property, string path) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new InvalidManifestException(path, $"key.{property} is missing or not a string");

    private static byte[] ReadFile(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidManifestException(path, e.Message, e);
        }
    }

    private static int ReadSchemaVersion(ReadOnlySpan<byte> json, string source)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidManifestException(source, "the document is not a JSON object");
            }

            if (!document.RootElement.TryGetProperty("schemaVersion", out var version)
                || version.ValueKind != JsonValueKind.Number
                || !version.TryGetInt32(out var number))
            {
                throw new InvalidManifestException(source, "\"schemaVersion\" is missing or not an integer");
            }

            return number;
        }
        catch (JsonException e)
        {
            throw new InvalidManifestException(source, e.Message, e);
        }
    }
}
