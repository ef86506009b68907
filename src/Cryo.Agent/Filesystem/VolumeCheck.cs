using System.Globalization;

namespace Cryo.Agent.Filesystem;

/// <summary>Checks, before a restore, that the target's volumes hold the files the workload had open.</summary>
public static class VolumeCheck
{
    /// <summary>
    /// Compares each record with the file at the same path on the target's volume (through
    /// <paramref name="targetVolumes"/>' host sources): it must exist as a regular file with the recorded
    /// size and, when a hash was recorded, the same SHA-256.
    /// </summary>
    /// <exception cref="VolumeMismatchException">Any file is missing or differs; lists them all.</exception>
    public static void Verify(IEnumerable<OpenVolumeFile> records, IReadOnlyCollection<VolumeMount> targetVolumes)
    {
        var mismatches = new List<VolumeMismatch>();
        foreach (var record in records)
        {
            if (Check(record, targetVolumes) is { } difference)
            {
                mismatches.Add(new VolumeMismatch(record.ContainerPath, difference));
            }
        }

        if (mismatches.Count > 0)
        {
            throw new VolumeMismatchException(mismatches);
        }
    }

    private static string? Check(OpenVolumeFile record, IReadOnlyCollection<VolumeMount> targetVolumes)
    {
        var volumePath = "/" + record.VolumePath.Trim('/');
        var volume = targetVolumes.FirstOrDefault(v => "/" + v.ContainerPath.Trim('/') == volumePath);
        if (volume is null)
        {
            return $"the target has no volume at {volumePath}";
        }

        var relative = record.RelativePath;
        if (relative.Length == 0 || relative.Split('/').Contains(".."))
        {
            return "the recorded path is not below its volume";
        }

        var hostPath = Path.Join(volume.HostSource, relative);
        var status = NativeMethods.TryStat(hostPath);
        if (status is null)
        {
            return "missing on the target's volume";
        }

        if (!status.IsRegularFile)
        {
            return "not a regular file on the target's volume";
        }

        if (status.Size != record.Size)
        {
            return string.Create(CultureInfo.InvariantCulture, $"size {status.Size} bytes on the target's volume, {record.Size} at checkpoint");
        }

        if (record.Sha256 is not null)
        {
            using var stream = new FileStream(hostPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
            if (!string.Equals(hash, record.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                return "same size but different content (SHA-256) on the target's volume";
            }
        }

        return null;
    }
}
