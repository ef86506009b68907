using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Cryo.Deploy.Tests.Kustomize;

/// <summary>
/// The checks the API server's validation applies to a pod spec that a manifest can get wrong: containers
/// with names and images, unique ports with short names, probes on declared ports, mounts of declared
/// volumes, volumes with exactly one source, env entries with names.
/// </summary>
public static partial class PodSpecChecker
{
    private static readonly string[] VolumeSources =
    [
        "hostPath", "emptyDir", "secret", "configMap", "persistentVolumeClaim", "projected", "downwardAPI", "csi", "ephemeral", "nfs", "image",
    ];

    /// <summary>Appends to <paramref name="problems"/> what is wrong with <paramref name="podSpec"/>.</summary>
    public static void Check(JsonNode? podSpec, string where, List<string> problems)
    {
        if (podSpec is not JsonObject)
        {
            problems.Add($"{where}: no pod spec");
            return;
        }

        var volumes = CheckVolumes(podSpec, where, problems);
        var containers = podSpec.ObjectsAt("containers").ToList();
        if (containers.Count == 0)
        {
            problems.Add($"{where}: spec.containers is empty");
        }

        var names = new HashSet<string>();
        foreach (var container in containers.Concat(podSpec.ObjectsAt("initContainers")))
        {
            var name = container.StringAt("name") ?? string.Empty;
            if (!DnsLabel().IsMatch(name) || !names.Add(name))
            {
                problems.Add($"{where}: container name '{name}' is missing, invalid or repeated");
            }

            CheckContainer(container, $"{where} container {name}", volumes, problems);
        }
    }

    private static HashSet<string> CheckVolumes(JsonNode podSpec, string where, List<string> problems)
    {
        var volumes = new HashSet<string>();
        foreach (var volume in podSpec.ObjectsAt("volumes"))
        {
            var name = volume.StringAt("name") ?? string.Empty;
            if (!DnsLabel().IsMatch(name) || !volumes.Add(name))
            {
                problems.Add($"{where}: volume name '{name}' is missing, invalid or repeated");
            }

            var sources = VolumeSources.Count(volume.ContainsKey);
            if (sources != 1 || volume.Count != 2)
            {
                problems.Add($"{where}: volume {name} must have exactly one source, has {string.Join(", ", volume.Select(p => p.Key))}");
            }

            if (volume.At("hostPath") is { } hostPath && !(hostPath.StringAt("path")?.StartsWith('/') ?? false))
            {
                problems.Add($"{where}: hostPath volume {name} needs an absolute path");
            }

            if (volume.At("persistentVolumeClaim") is { } claim && string.IsNullOrEmpty(claim.StringAt("claimName")))
            {
                problems.Add($"{where}: volume {name} needs persistentVolumeClaim.claimName");
            }

            if (volume.At("secret") is { } secret && string.IsNullOrEmpty(secret.StringAt("secretName")))
            {
                problems.Add($"{where}: volume {name} needs secret.secretName");
            }
        }

        return volumes;
    }

    private static void CheckContainer(JsonObject container, string where, HashSet<string> volumes, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(container.StringAt("image")))
        {
            problems.Add($"{where}: no image");
        }

        var portNames = new HashSet<string>();
        foreach (var port in container.ObjectsAt("ports"))
        {
            var number = port.IntegerAt("containerPort");
            if (number is null or < 1 or > 65535)
            {
                problems.Add($"{where}: containerPort {number} is not 1-65535");
            }

            if (port.StringAt("name") is { } portName && (portName.Length > 15 || !DnsLabel().IsMatch(portName) || !portNames.Add(portName)))
            {
                problems.Add($"{where}: port name '{portName}' is invalid (at most 15 characters) or repeated");
            }
        }

        foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
        {
            if (container.At(probe) is not JsonObject handler)
            {
                continue;
            }

            var kinds = new[] { "httpGet", "tcpSocket", "exec", "grpc" }.Count(handler.ContainsKey);
            if (kinds != 1)
            {
                problems.Add($"{where}: {probe} needs exactly one handler");
            }

            var port = handler.At("httpGet.port") ?? handler.At("tcpSocket.port");
            if (port is JsonValue value && value.TryGetValue<string>(out var named) && !portNames.Contains(named))
            {
                problems.Add($"{where}: {probe} uses port '{named}', which the container does not declare");
            }
        }

        foreach (var mount in container.ObjectsAt("volumeMounts"))
        {
            var name = mount.StringAt("name") ?? string.Empty;
            if (!volumes.Contains(name))
            {
                problems.Add($"{where}: volumeMount {name} names no volume of the pod");
            }

            if (!(mount.StringAt("mountPath")?.StartsWith('/') ?? false))
            {
                problems.Add($"{where}: volumeMount {name} needs an absolute mountPath");
            }
        }

        foreach (var env in container.ObjectsAt("env"))
        {
            var name = env.StringAt("name");
            if (string.IsNullOrEmpty(name))
            {
                problems.Add($"{where}: env entry without a name");
            }
            else if (env.ContainsKey("value") && env.ContainsKey("valueFrom"))
            {
                problems.Add($"{where}: env {name} has both value and valueFrom");
            }
            else if (env["value"] is JsonValue envValue && !envValue.TryGetValue<string>(out _))
            {
                problems.Add($"{where}: env {name} value must be a string (quote it)");
            }
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();
}
