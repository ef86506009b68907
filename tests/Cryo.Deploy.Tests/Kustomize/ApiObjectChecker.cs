using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Cryo.Deploy.Tests.Kustomize;

/// <summary>
/// The fields a real API server requires of each kind the deployment files create (and the ones it would
/// reject), checked object by object; <see cref="CheckReferences"/> then checks what objects name each other.
/// </summary>
public static partial class ApiObjectChecker
{
    /// <summary>apiVersion/kind pairs the deployment files may use, and whether the kind is namespaced.</summary>
    public static readonly IReadOnlyDictionary<(string ApiVersion, string Kind), bool> KnownKinds =
        new Dictionary<(string, string), bool>
        {
            [("v1", "Namespace")] = false,
            [("v1", "ServiceAccount")] = true,
            [("v1", "Service")] = true,
            [("v1", "Secret")] = true,
            [("v1", "ConfigMap")] = true,
            [("v1", "PersistentVolumeClaim")] = true,
            [("v1", "Pod")] = true,
            [("apps/v1", "Deployment")] = true,
            [("apps/v1", "DaemonSet")] = true,
            [("policy/v1", "PodDisruptionBudget")] = true,
            [("rbac.authorization.k8s.io/v1", "Role")] = true,
            [("rbac.authorization.k8s.io/v1", "RoleBinding")] = true,
            [("rbac.authorization.k8s.io/v1", "ClusterRole")] = false,
            [("rbac.authorization.k8s.io/v1", "ClusterRoleBinding")] = false,
            [("apiextensions.k8s.io/v1", "CustomResourceDefinition")] = false,
            [("storage.k8s.io/v1", "CSIDriver")] = false,
            [("cert-manager.io/v1", "Issuer")] = true,
            [("cert-manager.io/v1", "Certificate")] = true,
            [("monitoring.coreos.com/v1", "ServiceMonitor")] = true,
        };

    /// <summary>What is wrong with <paramref name="obj"/> on its own; empty when an API server would accept it.</summary>
    public static List<string> Check(JsonNode obj)
    {
        var problems = new List<string>();
        var apiVersion = obj.StringAt("apiVersion") ?? string.Empty;
        var kind = obj.StringAt("kind") ?? string.Empty;
        var name = obj.StringAt("metadata.name") ?? string.Empty;
        var where = obj.Describe();
        if (!KnownKinds.TryGetValue((apiVersion, kind), out var namespaced))
        {
            problems.Add($"{where}: unknown apiVersion/kind '{apiVersion}' '{kind}'");
            return problems;
        }

        if (!DnsSubdomain().IsMatch(name) || name.Length > 253)
        {
            problems.Add($"{where}: metadata.name '{name}' is not a DNS subdomain");
        }

        if (kind is "Namespace" or "Service" && (name.Length > 63 || !DnsLabel().IsMatch(name)))
        {
            problems.Add($"{where}: a {kind} name must be a DNS label (at most 63 characters)");
        }

        var ns = obj.StringAt("metadata.namespace");
        if (namespaced && string.IsNullOrEmpty(ns))
        {
            problems.Add($"{where}: namespaced but has no metadata.namespace");
        }
        else if (!namespaced && ns is not null)
        {
            problems.Add($"{where}: cluster-scoped but has metadata.namespace {ns}");
        }

        CheckLabels(obj.MapAt("metadata.labels"), where, problems);
        CheckKind(obj, kind, where, problems);
        return problems;
    }

    /// <summary>
    /// What names something that is not in <paramref name="objects"/>: ServiceAccounts, Secrets (or the
    /// Certificates that write them), claims, roles, Issuers and the pods Services select.
    /// </summary>
    public static List<string> CheckReferences(IReadOnlyList<JsonNode> objects)
    {
        var problems = new List<string>();
        bool Has(string kind, string? ns, string name) => objects.Any(o =>
            o.StringAt("kind") == kind && o.StringAt("metadata.name") == name && (ns is null || o.StringAt("metadata.namespace") == ns));

        var secretNames = objects.Where(o => o.StringAt("kind") == "Certificate")
            .Select(o => (o.StringAt("metadata.namespace"), o.StringAt("spec.secretName")))
            .Concat(objects.Where(o => o.StringAt("kind") == "Secret").Select(o => (o.StringAt("metadata.namespace"), o.StringAt("metadata.name"))))
            .ToHashSet();
        var podTemplates = objects
            .Select(o => (Owner: o, Template: o.StringAt("kind") == "Pod" ? o : o.At("spec.template")))
            .Where(t => t.Template is not null && t.Owner.StringAt("kind") is "Deployment" or "DaemonSet" or "Pod")
            .ToList();

        foreach (var (owner, template) in podTemplates)
        {
            var ns = owner.StringAt("metadata.namespace");
            var where = owner.Describe();
            var account = template.StringAt("spec.serviceAccountName");
            if (account is not null && !Has("ServiceAccount", ns, account))
            {
                problems.Add($"{where}: serviceAccountName {account} is not among the objects");
            }

            foreach (var volume in template.ObjectsAt("spec.volumes"))
            {
                if (volume.StringAt("secret.secretName") is { } secret && !secretNames.Contains((ns, secret)))
                {
                    problems.Add($"{where}: Secret {secret} is neither among the objects nor written by a Certificate");
                }

                if (volume.StringAt("persistentVolumeClaim.claimName") is { } claim && !Has("PersistentVolumeClaim", ns, claim))
                {
                    problems.Add($"{where}: PersistentVolumeClaim {claim} is not among the objects");
                }
            }
        }

        foreach (var binding in objects.Where(o => o.StringAt("kind") is "RoleBinding" or "ClusterRoleBinding"))
        {
            var roleKind = binding.StringAt("roleRef.kind") ?? string.Empty;
            var roleName = binding.StringAt("roleRef.name") ?? string.Empty;
            if (!Has(roleKind, roleKind == "Role" ? binding.StringAt("metadata.namespace") : null, roleName))
            {
                problems.Add($"{binding.Describe()}: roleRef {roleKind}/{roleName} is not among the objects");
            }

            foreach (var subject in binding.ObjectsAt("subjects").Where(s => s.StringAt("kind") == "ServiceAccount"))
            {
                if (!Has("ServiceAccount", subject.StringAt("namespace"), subject.StringAt("name") ?? string.Empty))
                {
                    problems.Add($"{binding.Describe()}: subject ServiceAccount {subject.StringAt("namespace")}/{subject.StringAt("name")} is not among the objects");
                }
            }
        }

        foreach (var certificate in objects.Where(o => o.StringAt("kind") == "Certificate" && o.StringAt("spec.issuerRef.kind") != "ClusterIssuer"))
        {
            if (!Has("Issuer", certificate.StringAt("metadata.namespace"), certificate.StringAt("spec.issuerRef.name") ?? string.Empty))
            {
                problems.Add($"{certificate.Describe()}: Issuer {certificate.StringAt("spec.issuerRef.name")} is not among the objects");
            }
        }

        foreach (var service in objects.Where(o => o.StringAt("kind") == "Service"))
        {
            var selector = service.MapAt("spec.selector");
            var selected = podTemplates.Where(t => t.Owner.StringAt("metadata.namespace") == service.StringAt("metadata.namespace")
                && selector.All(l => t.Template.MapAt("metadata.labels").GetValueOrDefault(l.Key) == l.Value)).ToList();
            if (selected.Count == 0)
            {
                problems.Add($"{service.Describe()}: its selector matches no pod template");
            }

            foreach (var port in service.ObjectsAt("spec.ports"))
            {
                var target = port.StringAt("targetPort");
                if (target is not null && !selected.Any(t => t.Template.ObjectsAt("spec.containers")
                        .Any(c => c.ObjectsAt("ports").Any(p => p.StringAt("name") == target))))
                {
                    problems.Add($"{service.Describe()}: targetPort {target} is not a named port of the pods it selects");
                }
            }
        }

        return problems;
    }

    private static void CheckKind(JsonNode obj, string kind, string where, List<string> problems)
    {
        switch (kind)
        {
            case "Deployment" or "DaemonSet":
                CheckWorkload(obj, where, problems);
                break;
            case "Pod":
                PodSpecChecker.Check(obj.At("spec"), where, problems);
                break;
            case "Service":
                CheckService(obj, where, problems);
                break;
            case "PersistentVolumeClaim":
                Require(obj.At("spec.accessModes") is JsonArray { Count: > 0 }, where, "spec.accessModes is empty", problems);
                Require(obj.StringAt("spec.resources.requests.storage") is not null, where, "spec.resources.requests.storage is missing", problems);
                break;
            case "PodDisruptionBudget":
                Require(obj.At("spec.selector") is JsonObject, where, "spec.selector is missing", problems);
                Require(obj.At("spec.minAvailable") is null != (obj.At("spec.maxUnavailable") is null), where,
                    "exactly one of spec.minAvailable and spec.maxUnavailable", problems);
                break;
            case "Role" or "ClusterRole":
                CheckRules(obj, where, problems);
                break;
            case "RoleBinding" or "ClusterRoleBinding":
                CheckBinding(obj, where, problems);
                break;
            case "CustomResourceDefinition":
                CheckCrd(obj, where, problems);
                break;
            case "Certificate":
                Require(obj.StringAt("spec.secretName") is { Length: > 0 }, where, "spec.secretName is missing", problems);
                Require(obj.StringAt("spec.issuerRef.name") is { Length: > 0 }, where, "spec.issuerRef.name is missing", problems);
                break;
            case "CSIDriver":
                CheckCsiDriver(obj, where, problems);
                break;
            case "Issuer":
                Require(new[] { "selfSigned", "ca", "acme", "vault", "venafi" }.Count(k => obj.At($"spec.{k}") is not null) == 1,
                    where, "an Issuer needs exactly one of selfSigned, ca, acme, vault, venafi", problems);
                break;
        }
    }

    private static void CheckWorkload(JsonNode obj, string where, List<string> problems)
    {
        var selector = obj.MapAt("spec.selector.matchLabels");
        var labels = obj.MapAt("spec.template.metadata.labels");
        Require(selector.Count > 0, where, "spec.selector.matchLabels is empty", problems);
        Require(selector.All(l => labels.GetValueOrDefault(l.Key) == l.Value), where,
            "spec.template.metadata.labels do not match spec.selector", problems);
        CheckLabels(labels, where + " template", problems);
        PodSpecChecker.Check(obj.At("spec.template.spec"), where, problems);
        if (obj.StringAt("kind") == "DaemonSet")
        {
            Require(obj.StringAt("spec.template.spec.restartPolicy") is null or "Always", where, "a DaemonSet's pods restart Always", problems);
        }
    }

    // storage.k8s.io/v1 CSIDriver: the name is the driver's (at most 63 characters); the spec's enumerations.
    private static void CheckCsiDriver(JsonNode obj, string where, List<string> problems)
    {
        Require((obj.StringAt("metadata.name") ?? "").Length <= 63, where, "a CSIDriver's name (the driver's) is at most 63 characters", problems);
        Require(obj.At("spec.attachRequired") is null or JsonValue, where, "spec.attachRequired must be a boolean", problems);
        var modes = obj.At("spec.volumeLifecycleModes") as JsonArray ?? [];
        Require(modes.All(m => m?.GetValue<string>() is "Persistent" or "Ephemeral"), where, "spec.volumeLifecycleModes may hold Persistent and Ephemeral only", problems);
        Require(obj.StringAt("spec.fsGroupPolicy") is null or "None" or "File" or "ReadWriteOnceWithFSType", where,
            "spec.fsGroupPolicy must be None, File or ReadWriteOnceWithFSType", problems);
    }

    private static void CheckService(JsonNode obj, string where, List<string> problems)
    {
        var ports = obj.ObjectsAt("spec.ports").ToList();
        Require(ports.Count > 0, where, "spec.ports is empty", problems);
        foreach (var port in ports)
        {
            Require(port.IntegerAt("port") is >= 1 and <= 65535, where, $"port {port.At("port")} is not 1-65535", problems);
            Require(ports.Count == 1 || port.StringAt("name") is not null, where, "every port of a multi-port Service needs a name", problems);
        }
    }

    private static void CheckRules(JsonNode obj, string where, List<string> problems)
    {
        foreach (var rule in obj.ObjectsAt("rules"))
        {
            Require(rule.At("verbs") is JsonArray { Count: > 0 }, where, "a rule without verbs", problems);
            var resources = rule.At("resources") is JsonArray { Count: > 0 } && rule.At("apiGroups") is JsonArray { Count: > 0 };
            var urls = rule.At("nonResourceURLs") is JsonArray { Count: > 0 };
            Require(resources != urls, where, "a rule needs apiGroups and resources, or nonResourceURLs", problems);
        }
    }

    private static void CheckBinding(JsonNode obj, string where, List<string> problems)
    {
        Require(obj.StringAt("roleRef.apiGroup") == "rbac.authorization.k8s.io", where, "roleRef.apiGroup must be rbac.authorization.k8s.io", problems);
        Require(obj.StringAt("roleRef.kind") is "Role" or "ClusterRole", where, "roleRef.kind must be Role or ClusterRole", problems);
        Require(obj.StringAt("roleRef.name") is { Length: > 0 }, where, "roleRef.name is missing", problems);
        foreach (var subject in obj.ObjectsAt("subjects"))
        {
            Require(subject.StringAt("kind") is "ServiceAccount" or "User" or "Group" && subject.StringAt("name") is { Length: > 0 },
                where, "a subject needs a kind and a name", problems);
            Require(subject.StringAt("kind") != "ServiceAccount" || subject.StringAt("namespace") is { Length: > 0 },
                where, "a ServiceAccount subject needs a namespace", problems);
        }
    }

    private static void CheckCrd(JsonNode obj, string where, List<string> problems)
    {
        var group = obj.StringAt("spec.group");
        var plural = obj.StringAt("spec.names.plural");
        Require(obj.StringAt("metadata.name") == $"{plural}.{group}", where, "metadata.name must be <plural>.<group>", problems);
        Require(obj.StringAt("spec.names.kind") is { Length: > 0 }, where, "spec.names.kind is missing", problems);
        Require(obj.StringAt("spec.scope") is "Namespaced" or "Cluster", where, "spec.scope must be Namespaced or Cluster", problems);
        var versions = obj.ObjectsAt("spec.versions").ToList();
        Require(versions.Count(v => v.At("storage")?.GetValue<bool>() == true) == 1, where, "exactly one storage version", problems);
        foreach (var version in versions)
        {
            Require(version.At("schema.openAPIV3Schema") is JsonObject, where, $"version {version.StringAt("name")} has no schema", problems);
        }
    }

    private static void CheckLabels(IReadOnlyDictionary<string, string> labels, string where, List<string> problems)
    {
        foreach (var (key, value) in labels)
        {
            var name = key.Contains('/') ? key[(key.IndexOf('/') + 1)..] : key;
            Require(name.Length is > 0 and <= 63 && LabelValue().IsMatch(name), where, $"label key '{key}' is invalid", problems);
            Require(value.Length <= 63 && (value.Length == 0 || LabelValue().IsMatch(value)), where, $"label {key} value '{value}' is invalid", problems);
        }
    }

    private static void Require(bool condition, string where, string problem, List<string> problems)
    {
        if (!condition)
        {
            problems.Add($"{where}: {problem}");
        }
    }

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();
}
