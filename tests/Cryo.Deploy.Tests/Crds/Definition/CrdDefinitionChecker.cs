using System.Text.Json.Nodes;

namespace Cryo.Deploy.Tests.Crds.Definition;

/// <summary>
/// Checks a CustomResourceDefinition the way kube-apiserver does on create (apiextensions.k8s.io/v1:
/// strict decoding, v1 defaulting, then pkg/apis/apiextensions/validation ValidateCustomResourceDefinition):
/// names, group, scope, exactly one storage version, printer columns, subresources, selectable fields,
/// conversion, and for each schema the structural rules (<see cref="StructuralSchemaChecker"/>), the
/// defaults (<see cref="SchemaDefaultsChecker"/>), the OpenAPI and extension rules
/// (<see cref="OpenApiSchemaChecker"/>) and the rules' compilation and CEL cost (<see cref="CelRuleChecker"/>,
/// with the schema's total against <see cref="CelCostLimits.StaticEstimatedCrdCostLimit"/>). Problems are
/// reported with the paths the API server prints: like it, when every version has the same schema
/// (subresources, columns) it reports them under spec.validation (spec.subresources,
/// spec.additionalPrinterColumns), as its internal version holds them there.
/// </summary>
/// <remarks>
/// Checks objects as created, not updates (no ratcheting of previously stored schemas), and approximates
/// where the API server runs code this project does not have: CEL is typed and priced for the subset of
/// <see cref="CelParser"/> only (anything else is refused), CEL cost estimates are at least the API
/// server's (see <see cref="CelCostEstimator"/>), regular expressions are checked against .NET plus RE2's
/// known gaps, and embedded-resource metadata defaults are checked against their schema only. Every
/// approximation errs towards refusing.
/// </remarks>
public static class CrdDefinitionChecker
{
    private const int MaxSelectableFields = 8;

    private static readonly string[] AllowedAtStatusRoot =
    [
        "description", "type", "format", "title", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
        "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "multipleOf", "required", "items",
        "properties", "externalDocs", "example", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-validations",
    ];

    /// <summary>Every reason the API server would refuse to create the CRD in the YAML file <paramref name="path"/>.</summary>
    public static IReadOnlyList<CrdProblem> CheckFile(string path) => Check(YamlDocuments.ParseSingleFile(path));

    /// <summary>Every reason the API server would refuse to create <paramref name="crd"/>.</summary>
    public static IReadOnlyList<CrdProblem> Check(JsonNode crd)
    {
        var decoding = CrdDecodingChecker.Check(crd);
        if (decoding.Count > 0)
        {
            return decoding; // the request never reaches validation
        }

        var problems = new List<CrdProblem>();
        if (crd.StringAt("apiVersion") != "apiextensions.k8s.io/v1" || crd.StringAt("kind") != "CustomResourceDefinition")
        {
            problems.Add(CrdProblem.Invalid(FieldPath.Root("apiVersion"), $"{crd.StringAt("apiVersion")}/{crd.StringAt("kind")}", "must be apiextensions.k8s.io/v1 CustomResourceDefinition"));
        }

        var spec = crd.At("spec") as JsonObject ?? [];
        var names = WithV1Defaults(spec["names"] as JsonObject ?? []);
        problems.AddRange(MetadataName(crd.StringAt("metadata.name") ?? string.Empty, names.StringAt("plural"), spec.StringAt("group")));
        problems.AddRange(GroupAndScope(spec));
        problems.AddRange(Names(names, FieldPath.Root("spec").Child("names")));
        problems.AddRange(Versions(spec.ObjectsAt("versions").ToList()));
        problems.AddRange(Conversion(spec["conversion"] as JsonObject));
        if (spec["preserveUnknownFields"]?.GetValue<bool>() == true)
        {
            problems.Add(CrdProblem.Invalid(FieldPath.Root("spec").Child("preserveUnknownFields"), true, "cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead"));
        }

        return problems;
    }

    // v1 defaulting: singular is the lowercased kind, listKind the kind + "List".
    private static JsonObject WithV1Defaults(JsonObject names)
    {
        var result = (JsonObject)names.DeepClone();
        var kind = result.StringAt("kind") ?? string.Empty;
        if (string.IsNullOrEmpty(result.StringAt("singular")))
        {
            result["singular"] = kind.ToLowerInvariant();
        }

        if (string.IsNullOrEmpty(result.StringAt("listKind")) && kind.Length > 0)
        {
            result["listKind"] = kind + "List";
        }

        return result;
    }

    private static IEnumerable<CrdProblem> MetadataName(string name, string? plural, string? group)
    {
        var path = FieldPath.Root("metadata").Child("name");
        if (name.Length == 0)
        {
            yield return CrdProblem.Required(path, "name or generateName is required");
            yield break;
        }

        foreach (var problem in KubernetesNames.Dns1123SubdomainProblems(name))
        {
            yield return CrdProblem.Invalid(path, name, problem);
        }

        if (name != $"{plural}.{group}")
        {
            yield return CrdProblem.Invalid(path, name, "must be spec.names.plural+\".\"+spec.group");
        }
    }

    private static IEnumerable<CrdProblem> GroupAndScope(JsonObject spec)
    {
        var path = FieldPath.Root("spec");
        var group = spec.StringAt("group") ?? string.Empty;
        if (group.Length == 0)
        {
            yield return CrdProblem.Required(path.Child("group"), string.Empty);
        }
        else if (KubernetesNames.Dns1123SubdomainProblems(group) is { Count: > 0 } groupProblems)
        {
            yield return CrdProblem.Invalid(path.Child("group"), group, string.Join(",", groupProblems));
        }
        else if (!group.Contains('.', StringComparison.Ordinal))
        {
            yield return CrdProblem.Invalid(path.Child("group"), group, "should be a domain with at least one dot");
        }

        var scope = spec.StringAt("scope") ?? string.Empty;
        if (scope.Length == 0)
        {
            yield return CrdProblem.Required(path.Child("scope"), string.Empty);
        }
        else if (scope is not ("Cluster" or "Namespaced"))
        {
            yield return CrdProblem.NotSupported(path.Child("scope"), scope, ["Cluster", "Namespaced"]);
        }
    }

    private static IEnumerable<CrdProblem> Names(JsonObject names, FieldPath path)
    {
        foreach (var field in new[] { "plural", "singular", "kind", "listKind" })
        {
            var value = names.StringAt(field) ?? string.Empty;
            if (value.Length == 0)
            {
                yield return CrdProblem.Required(path.Child(field), string.Empty);
                continue;
            }

            // Kinds may be mixed case but must otherwise be DNS labels.
            var mixedCase = field is "kind" or "listKind";
            var problems = KubernetesNames.Dns1035LabelProblems(mixedCase ? value.ToLowerInvariant() : value);
            if (problems.Count > 0)
            {
                yield return CrdProblem.Invalid(path.Child(field), value, (mixedCase ? "may have mixed case, but should otherwise match: " : string.Empty) + string.Join(",", problems));
            }
        }

        foreach (var list in new[] { "shortNames", "categories" })
        {
            var values = (names[list] as JsonArray ?? []).Select(v => v?.GetValue<string>() ?? string.Empty).ToList();
            for (var i = 0; i < values.Count; i++)
            {
                if (KubernetesNames.Dns1035LabelProblems(values[i]) is { Count: > 0 } problems)
                {
                    yield return CrdProblem.Invalid(path.Child(list).Index(i), values[i], string.Join(",", problems));
                }
            }
        }

        if (names.StringAt("kind") is { Length: > 0 } kind && kind == names.StringAt("listKind"))
        {
            yield return CrdProblem.Invalid(path.Child("listKind"), kind, "kind and listKind may not be the same");
        }
    }

    private static List<CrdProblem> Versions(List<JsonObject> versions)
    {
        var problems = new List<CrdProblem>();
        var path = FieldPath.Root("spec").Child("versions");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var unique = true;
        for (var i = 0; i < versions.Count; i++)
        {
            var name = versions[i].StringAt("name") ?? string.Empty;
            unique &= seen.Add(name);
            if (KubernetesNames.Dns1035LabelProblems(name) is { Count: > 0 } nameProblems)
            {
                problems.Add(CrdProblem.Invalid(path.Index(i).Child("name"), name, string.Join(",", nameProblems)));
            }

            problems.AddRange(DeprecationWarning(versions[i], path.Index(i)));
            if (versions[i].At("schema.openAPIV3Schema") is not JsonObject)
            {
                problems.Add(CrdProblem.Required(path.Index(i).Child("schema").Child("openAPIV3Schema"), "schemas are required"));
            }

            if (versions[i]["selectableFields"] is JsonArray selectable && versions[i].At("schema.openAPIV3Schema") is JsonObject schema)
            {
                problems.AddRange(SelectableFields(selectable, new SchemaNode(schema), path.Index(i).Child("selectableFields")));
            }
        }

        if (!unique)
        {
            problems.Add(CrdProblem.Invalid(path, "<versions>", "must contain unique version names"));
        }

        if (versions.Count(v => v["storage"]?.GetValue<bool>() == true) != 1)
        {
            problems.Add(CrdProblem.Invalid(path, "<versions>", "must have exactly one version marked as storage version"));
        }

        problems.AddRange(Schemas(versions));
        problems.AddRange(Subresources(versions));
        problems.AddRange(Columns(versions));
        return problems;
    }

    private static IEnumerable<CrdProblem> DeprecationWarning(JsonObject version, FieldPath path)
    {
        if (version.StringAt("deprecationWarning") is not { } warning)
        {
            yield break;
        }

        var warningPath = path.Child("deprecationWarning");
        if (version["deprecated"]?.GetValue<bool>() != true)
        {
            yield return CrdProblem.Invalid(warningPath, warning, "can only be set for deprecated versions");
        }

        if (warning.Length > 256)
        {
            yield return CrdProblem.Invalid(warningPath, warning, "must be <= 256 characters long");
        }

        if (warning.Length == 0)
        {
            yield return CrdProblem.Invalid(warningPath, warning, "must not be an empty string");
        }

        if (warning.Any(char.IsControl))
        {
            yield return CrdProblem.Invalid(warningPath, warning, "must only contain printable UTF-8 characters");
        }
    }

    // Identical per-version values are held once, at the top level, by the API server's internal version,
    // and that is the path it reports.
    private static bool AllIdentical(List<JsonObject> versions, string field) =>
        versions.Count > 0
        && versions.All(v => v[field] is JsonNode value && (value is not JsonArray array || array.Count > 0))
        && versions.All(v => JsonNode.DeepEquals(v[field], versions[0][field]));

    private static List<CrdProblem> Schemas(List<JsonObject> versions)
    {
        var problems = new List<CrdProblem>();
        var statusEnabled = versions.Any(v => v.At("subresources.status") is not null);
        if (AllIdentical(versions, "schema"))
        {
            if (versions[0].At("schema.openAPIV3Schema") is JsonObject schema)
            {
                problems.AddRange(Schema(new SchemaNode(schema), FieldPath.Root("spec").Child("validation"), statusEnabled));
            }

            return problems;
        }

        for (var i = 0; i < versions.Count; i++)
        {
            if (versions[i].At("schema.openAPIV3Schema") is JsonObject schema)
            {
                var versionStatus = versions[i].At("subresources.status") is not null;
                problems.AddRange(Schema(new SchemaNode(schema), FieldPath.Root("spec").Child("versions").Index(i).Child("schema"), versionStatus));
            }
        }

        return problems;
    }

    private static List<CrdProblem> Schema(SchemaNode root, FieldPath validationPath, bool statusEnabled)
    {
        var problems = new List<CrdProblem>();
        var path = validationPath.Child("openAPIV3Schema");
        if (statusEnabled)
        {
            problems.AddRange(StatusRootProblems(root, validationPath));
        }

        if (root.Nullable)
        {
            problems.Add(CrdProblem.Forbidden(validationPath.Child("openAPIV3Schema.nullable"), "nullable cannot be true at the root"));
        }

        // Rules are compiled only for a structural schema whose defaults are valid, as in the API server.
        var structural = StructuralSchemaChecker.Check(root, path);
        var defaults = structural.Count == 0 ? SchemaDefaultsChecker.Check(root, path) : [];
        problems.AddRange(structural);
        problems.AddRange(defaults);
        var total = structural.Count == 0 && defaults.Count == 0 ? new CelCostTotal() : null;
        problems.AddRange(OpenApiSchemaChecker.Check(root, path, total));
        if (total is not null && total.Total > CelCostLimits.StaticEstimatedCrdCostLimit)
        {
            problems.AddRange(total.MostExpensive.Select(e => CrdProblem.Forbidden(e.Path, "contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema")));
            problems.Add(CrdProblem.Forbidden(path, CelCostTotal.ExceedsMessage("x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema", total.Total, CelCostLimits.StaticEstimatedCrdCostLimit)));
        }

        return problems;
    }

    // With a status subresource the API server validates status by properties["status"] alone, so the root
    // may hold nothing that would apply to status from above.
    private static IEnumerable<CrdProblem> StatusRootProblems(SchemaNode root, FieldPath validationPath)
    {
        if (root.Json["type"] is not null && root.Type != "object")
        {
            yield return CrdProblem.Invalid(validationPath.Child("openAPIV3Schema.type"), root.Type, "only \"object\" is allowed as the type at the root of the schema if the status subresource is enabled");
        }

        var disallowed = root.Json.Where(p => !AllowedAtStatusRoot.Contains(p.Key) && !IsZero(p.Value)).Select(p => p.Key).ToList();
        if (disallowed.Count > 0)
        {
            yield return CrdProblem.Invalid(validationPath.Child("openAPIV3Schema"), $"<schema with {string.Join(", ", disallowed)}>",
                $"only [{string.Join(" ", AllowedAtStatusRoot)}] fields are allowed at the root of the schema if the status subresource is enabled");
        }
    }

    private static bool IsZero(JsonNode? value) =>
        value is null || (value is JsonValue v && (v.GetValueKind() == System.Text.Json.JsonValueKind.False || (v.TryGetValue<string>(out var s) && s.Length == 0)));

    private static List<CrdProblem> Subresources(List<JsonObject> versions)
    {
        var problems = new List<CrdProblem>();
        if (AllIdentical(versions, "subresources"))
        {
            problems.AddRange(Scale(versions[0].At("subresources.scale") as JsonObject, FieldPath.Root("spec").Child("subresources")));
            return problems;
        }

        for (var i = 0; i < versions.Count; i++)
        {
            problems.AddRange(Scale(versions[i].At("subresources.scale") as JsonObject, FieldPath.Root("spec").Child("versions").Index(i).Child("subresources")));
        }

        return problems;
    }

    private static IEnumerable<CrdProblem> Scale(JsonObject? scale, FieldPath path)
    {
        if (scale is null)
        {
            yield break;
        }

        foreach (var (field, prefix) in new[] { ("specReplicasPath", ".spec."), ("statusReplicasPath", ".status.") })
        {
            var value = scale.StringAt(field) ?? string.Empty;
            var fieldPath = path.Child($"scale.{field}");
            if (value.Length == 0)
            {
                yield return CrdProblem.Required(fieldPath, string.Empty);
            }
            else if (PrinterColumnChecker.SimpleJsonPathProblem(value) is { } problem)
            {
                yield return CrdProblem.Invalid(fieldPath, value, problem);
            }
            else if (!value.StartsWith(prefix, StringComparison.Ordinal))
            {
                yield return CrdProblem.Invalid(fieldPath, value, $"should be a json path under {prefix.TrimEnd('.')}");
            }
        }

        if (scale.StringAt("labelSelectorPath") is { Length: > 0 } selector)
        {
            var fieldPath = path.Child("scale.labelSelectorPath");
            if (PrinterColumnChecker.SimpleJsonPathProblem(selector) is { } problem)
            {
                yield return CrdProblem.Invalid(fieldPath, selector, problem);
            }
            else if (!selector.StartsWith(".spec.", StringComparison.Ordinal) && !selector.StartsWith(".status.", StringComparison.Ordinal))
            {
                yield return CrdProblem.Invalid(fieldPath, selector, "should be a json path under either .spec or .status");
            }
        }
    }

    private static List<CrdProblem> Columns(List<JsonObject> versions)
    {
        var problems = new List<CrdProblem>();
        if (AllIdentical(versions, "additionalPrinterColumns"))
        {
            var columns = versions[0].ObjectsAt("additionalPrinterColumns").ToList();
            for (var i = 0; i < columns.Count; i++)
            {
                problems.AddRange(PrinterColumnChecker.Check(columns[i], FieldPath.Root("spec").Child("additionalPrinterColumns").Index(i)));
            }

            return problems;
        }

        for (var v = 0; v < versions.Count; v++)
        {
            var columns = versions[v].ObjectsAt("additionalPrinterColumns").ToList();
            for (var i = 0; i < columns.Count; i++)
            {
                problems.AddRange(PrinterColumnChecker.Check(columns[i], FieldPath.Root("spec").Child("versions").Index(v).Child("additionalPrinterColumns").Index(i)));
            }
        }

        return problems;
    }

    private static List<CrdProblem> SelectableFields(JsonArray fields, SchemaNode schema, FieldPath path)
    {
        var problems = new List<CrdProblem>();
        var unique = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < fields.Count; i++)
        {
            var jsonPath = fields[i].StringAt("jsonPath") ?? string.Empty;
            var fieldPath = path.Index(i).Child("jsonPath");
            if (jsonPath.Length == 0)
            {
                problems.Add(CrdProblem.Required(fieldPath, string.Empty));
                continue;
            }

            var found = SchemaFieldPath.Walk(jsonPath, schema, allowArrayNotation: false, out var first);
            if (found is null)
            {
                problems.Add(CrdProblem.Invalid(fieldPath, jsonPath, "is an invalid path: does not refer to a valid field"));
                continue;
            }

            if (first == "metadata")
            {
                problems.Add(CrdProblem.Invalid(fieldPath, jsonPath, "must not point to fields in metadata"));
            }

            if (found.Type is not ("string" or "boolean" or "integer"))
            {
                problems.Add(CrdProblem.Invalid(fieldPath, jsonPath, "must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed."));
            }

            if (!unique.Add(jsonPath))
            {
                problems.Add(CrdProblem.Duplicate(fieldPath, jsonPath));
            }
        }

        if (unique.Count > MaxSelectableFields)
        {
            problems.Add(CrdProblem.TooMany(path, unique.Count, MaxSelectableFields));
        }

        return problems;
    }

    private static IEnumerable<CrdProblem> Conversion(JsonObject? conversion)
    {
        if (conversion is null)
        {
            yield break; // v1 defaults it to strategy None
        }

        var path = FieldPath.Root("spec").Child("conversion");
        var strategy = conversion.StringAt("strategy") ?? string.Empty;
        if (strategy.Length == 0)
        {
            yield return CrdProblem.Required(path.Child("strategy"), string.Empty);
        }
        else if (strategy is not ("None" or "Webhook"))
        {
            yield return CrdProblem.NotSupported(path.Child("strategy"), strategy, ["None", "Webhook"]);
        }

        var webhook = conversion["webhook"] as JsonObject;
        if (strategy == "Webhook")
        {
            var clientConfig = webhook?["clientConfig"] as JsonObject;
            if (clientConfig is null)
            {
                yield return CrdProblem.Required(path.Child("webhookClientConfig"), "required when strategy is set to Webhook");
            }
            else if ((clientConfig["url"] is null) == (clientConfig["service"] is null))
            {
                yield return CrdProblem.Required(path.Child("webhookClientConfig"), "exactly one of url or service is required");
            }

            var reviewVersions = (webhook?["conversionReviewVersions"] as JsonArray ?? []).Select(v => v?.GetValue<string>()).ToList();
            if (reviewVersions.Count == 0)
            {
                yield return CrdProblem.Required(path.Child("conversionReviewVersions"), string.Empty);
            }
            else if (!reviewVersions.Any(v => v is "v1" or "v1beta1"))
            {
                yield return CrdProblem.Invalid(path.Child("conversionReviewVersions"), string.Join(",", reviewVersions), "must include at least one of v1, v1beta1");
            }
        }
        else if (webhook is not null)
        {
            yield return CrdProblem.Forbidden(path.Child("webhookClientConfig"), "should not be set when strategy is not set to Webhook");
        }
    }
}
