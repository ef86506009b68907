using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cryo.Deploy.Tests.Crds.Definition;

/// <summary>
/// The structural-schema rules of apiextensions-apiserver (pkg/apiserver/schema: validateStructuralInvariants,
/// validateStructuralMetadataInvariants, validateNestedValueValidation, validateStructuralCompleteness):
/// every specified field has a type; the root is an object; root <c>metadata</c> says nothing but
/// <c>type: object</c> and name/generateName; logical junctors (allOf/anyOf/oneOf/not) only restrict
/// values and never declare types, descriptions, defaults, nullability or Kubernetes extensions; what they
/// mention exists outside them; patterns compile.
/// </summary>
/// <remarks>
/// Stricter than the API server in two places, never laxer: completeness is checked at every level (the API
/// server only follows the root's junctors), and a pattern must both compile in .NET and avoid the
/// constructs Go's RE2 lacks (look-around, back-references, atomic groups, possessive quantifiers).
/// </remarks>
public static class StructuralSchemaChecker
{
    // The only value-validation shapes x-kubernetes-int-or-string may use that carry a type.
    private static readonly string[] IntOrStringTypes = ["integer", "string"];

    private static readonly string[] NestedForbiddenFlags =
        ["x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource", "x-kubernetes-int-or-string"];

    /// <summary>Structural problems of the schema <paramref name="root"/> at <paramref name="path"/>.</summary>
    public static IReadOnlyList<CrdProblem> Check(SchemaNode root, FieldPath path)
    {
        var problems = new List<CrdProblem>();
        Invariants(root, SchemaLevel.Root, path, problems);
        return problems;
    }

    private static void Invariants(SchemaNode s, SchemaLevel level, FieldPath path, List<CrdProblem> problems)
    {
        if (s.Type == "array" && s.Items is null)
        {
            problems.Add(CrdProblem.Required(path.Child("items"), "must be specified"));
        }

        if (s.Items is { } items)
        {
            Invariants(items, SchemaLevel.Item, path.Child("items"), problems);
        }

        foreach (var (name, property) in s.Properties)
        {
            Invariants(property, SchemaLevel.Field, path.Child("properties").Key(name), problems);
        }

        if (s.HasAdditionalProperties)
        {
            if (level == SchemaLevel.Root)
            {
                problems.Add(CrdProblem.Forbidden(path.Child("additionalProperties"), "must not be used at the root"));
            }

            if (s.AdditionalProperties is { } additional)
            {
                Invariants(additional, SchemaLevel.Field, path.Child("additionalProperties"), problems);
            }
        }

        Extensions(s, path, problems);
        ValueValidation(s, IsIntOrStringAnyOf(s), IsIntOrStringAllOf(s), path, problems);
        Completeness(s, s, path, path, problems);
        TypeInvariants(s, level, path, problems);

        var checkMetadata = level == SchemaLevel.Root || s.EmbeddedResource;
        foreach (var typeMeta in new[] { "kind", "apiVersion" })
        {
            if (checkMetadata && s.Property(typeMeta) is { } meta && meta.Type != "string")
            {
                problems.Add(CrdProblem.Invalid(path.Child("properties").Key(typeMeta).Child("type"), meta.Type, "must be string"));
            }
        }

        if (s.Property("metadata") is { } metadata)
        {
            MetadataInvariants(metadata, checkMetadata, level, path.Child("properties").Key("metadata"), problems);
        }

        if (s.EmbeddedResource && !s.PreserveUnknownFields && !s.HasProperties)
        {
            problems.Add(CrdProblem.Required(path.Child("properties"), "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields"));
        }
    }

    private static void TypeInvariants(SchemaNode s, SchemaLevel level, FieldPath path, List<CrdProblem> problems)
    {
        if (s.EmbeddedResource && s.Type != "object")
        {
            problems.Add(s.Type.Length == 0
                ? CrdProblem.Required(path.Child("type"), "must be object if x-kubernetes-embedded-resource is true")
                : CrdProblem.Invalid(path.Child("type"), s.Type, "must be object if x-kubernetes-embedded-resource is true"));
        }
        else if (s.Type.Length == 0 && !s.IntOrString && !s.PreserveUnknownFields)
        {
            problems.Add(CrdProblem.Required(path.Child("type"), level switch
            {
                SchemaLevel.Root => "must not be empty at the root",
                SchemaLevel.Item => "must not be empty for specified array items",
                _ => "must not be empty for specified object fields",
            }));
        }

        if (s.EmbeddedResource && s.HasAdditionalProperties)
        {
            problems.Add(CrdProblem.Forbidden(path.Child("additionalProperties"), "must not be used if x-kubernetes-embedded-resource is set"));
        }

        if (level == SchemaLevel.Root && s.Type.Length > 0 && s.Type != "object")
        {
            problems.Add(CrdProblem.Invalid(path.Child("type"), s.Type, "must be object at the root"));
        }
    }

    private static void Extensions(SchemaNode s, FieldPath path, List<CrdProblem> problems)
    {
        if (s.IntOrString && s.PreserveUnknownFields)
        {
            problems.Add(CrdProblem.Invalid(path.Child("x-kubernetes-preserve-unknown-fields"), true, "must be false if x-kubernetes-int-or-string is true"));
        }

        if (s.IntOrString && s.EmbeddedResource)
        {
            problems.Add(CrdProblem.Invalid(path.Child("x-kubernetes-embedded-resource"), true, "must be false if x-kubernetes-int-or-string is true"));
        }
    }

    // Root metadata may restrict nothing but name and generateName: the API server owns ObjectMeta, and
    // anything else here (a description included) would claim to describe fields it never applies.
    private static void MetadataInvariants(SchemaNode metadata, bool checkMetadata, SchemaLevel level, FieldPath path, List<CrdProblem> problems)
    {
        if (checkMetadata && metadata.Type != "object")
        {
            problems.Add(CrdProblem.Invalid(path.Child("type"), metadata.Type, "must be object"));
        }

        if (level != SchemaLevel.Root)
        {
            return;
        }

        var names = metadata.Properties.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var onlyNames = names.Count > 0 && names.IsSubsetOf(["name", "generateName"]);
        var specified = metadata.Json
            .Where(p => p.Key is not ("type" or "default") && !(p.Key == "properties" && (onlyNames || names.Count == 0)))
            .Where(p => !IsZero(p.Value))
            .ToList();
        if (specified.Count > 0)
        {
            problems.Add(CrdProblem.Forbidden(path, "must not specify anything other than name and generateName, but metadata is implicitly specified"));
        }
    }

    // Go's zero values, which the API server cannot tell from an absent keyword.
    private static bool IsZero(JsonNode? value) => value switch
    {
        null => true,
        JsonValue v when v.GetValueKind() == JsonValueKind.False => true,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>().Length == 0,
        _ => false,
    };

    private static bool IsIntOrStringAnyOf(SchemaNode s) => IsIntOrStringPair(s.Junctor("anyOf"));

    private static bool IsIntOrStringAllOf(SchemaNode s) =>
        s.Junctor("allOf") is [var first, ..] && IsIntOrStringPair(first.Junctor("anyOf"));

    private static bool IsIntOrStringPair(IReadOnlyList<SchemaNode> anyOf) =>
        anyOf.Count == 2 && anyOf.Select((clause, i) => clause.Json.Count == 1 && clause.Type == IntOrStringTypes[i]).All(ok => ok);

    private static void ValueValidation(SchemaNode v, bool skipAnyOf, bool skipFirstAllOfAnyOf, FieldPath path, List<CrdProblem> problems)
    {
        if (!skipAnyOf)
        {
            Each(v.Junctor("anyOf"), path.Child("anyOf"), (clause, _, p) => Nested(clause, false, p, problems));
        }

        // x-kubernetes-int-or-string may spell its two types as the first allOf's anyOf.
        Each(v.Junctor("allOf"), path.Child("allOf"), (clause, i, p) => Nested(clause, skipFirstAllOfAnyOf && i == 0, p, problems));
        Each(v.Junctor("oneOf"), path.Child("oneOf"), (clause, _, p) => Nested(clause, false, p, problems));
        if (v.Not is { } not)
        {
            Nested(not, false, path.Child("not"), problems);
        }

        if (v.Pattern is { } pattern && RegexSyntax.Problem(pattern) is { } problem)
        {
            problems.Add(CrdProblem.Invalid(path.Child("pattern"), pattern, $"must be a valid regular expression, but isn't: {problem}"));
        }
    }

    private static void Each(IReadOnlyList<SchemaNode> clauses, FieldPath path, Action<SchemaNode, int, FieldPath> check)
    {
        for (var i = 0; i < clauses.Count; i++)
        {
            check(clauses[i], i, path.Index(i));
        }
    }

    // Inside allOf/anyOf/oneOf/not a schema may only restrict values: structure, docs, defaults and
    // Kubernetes extensions there would be applied (or not) depending on which clause matches.
    private static void Nested(SchemaNode v, bool skipAnyOf, FieldPath path, List<CrdProblem> problems)
    {
        ValueValidation(v, skipAnyOf, false, path, problems);
        if (v.Items is { } items)
        {
            Nested(items, false, path.Child("items"), problems);
        }

        foreach (var (name, property) in v.Properties)
        {
            Nested(property, false, path.Child("properties").Key(name), problems);
        }

        if (v.Type.Length > 0)
        {
            problems.Add(CrdProblem.Forbidden(path.Child("type"), "must be empty to be structural"));
        }

        if (v.HasAdditionalProperties)
        {
            problems.Add(CrdProblem.Forbidden(path.Child("additionalProperties"), "must be undefined to be structural"));
        }

        if (v.Json.ContainsKey("default") && v.Default is not null)
        {
            problems.Add(CrdProblem.Forbidden(path.Child("default"), "must be undefined to be structural"));
        }

        foreach (var keyword in new[] { "title", "description" })
        {
            if (!string.IsNullOrEmpty(v.String(keyword)))
            {
                problems.Add(CrdProblem.Forbidden(path.Child(keyword), "must be empty to be structural"));
            }
        }

        if (v.Nullable)
        {
            problems.Add(CrdProblem.Forbidden(path.Child("nullable"), "must be false to be structural"));
        }

        if (v.Json["externalDocs"] is not null)
        {
            problems.Add(CrdProblem.Forbidden(path.Child("externalDocs"), "must be undefined to be structural"));
        }

        foreach (var flag in NestedForbiddenFlags.Where(v.Flag))
        {
            problems.Add(CrdProblem.Forbidden(path.Child(flag), "must be false to be structural"));
        }

        if (v.ListMapKeys.Count > 0)
        {
            problems.Add(CrdProblem.Forbidden(path.Child("x-kubernetes-list-map-keys"), "must be empty to be structural"));
        }

        foreach (var keyword in new[] { "x-kubernetes-list-type", "x-kubernetes-map-type" }.Where(v.Json.ContainsKey))
        {
            problems.Add(CrdProblem.Forbidden(path.Child(keyword), "must be undefined to be structural"));
        }

        if (v.Validations.Count > 0)
        {
            problems.Add(CrdProblem.Forbidden(path.Child("x-kubernetes-validations"), "must be empty to be structural"));
        }

        if (v.Property("metadata") is not null)
        {
            problems.Add(CrdProblem.Forbidden(path.Child("properties").Key("metadata"), "must not be specified in a nested context"));
        }
    }

    // What a junctor names (items, properties) must also be specified structurally, or pruning would drop
    // the very fields the junctor validates.
    private static void Completeness(SchemaNode? structural, SchemaNode v, FieldPath sPath, FieldPath vPath, List<CrdProblem> problems)
    {
        foreach (var junctor in new[] { "allOf", "anyOf", "oneOf" })
        {
            Each(v.Junctor(junctor), vPath.Child(junctor), (clause, _, p) => NestedCompleteness(structural, clause, sPath, p, problems));
        }

        if (v.Not is { } not)
        {
            NestedCompleteness(structural, not, sPath, vPath.Child("not"), problems);
        }
    }

    private static void NestedCompleteness(SchemaNode? structural, SchemaNode v, FieldPath sPath, FieldPath vPath, List<CrdProblem> problems)
    {
        if (structural is null)
        {
            problems.Add(CrdProblem.Required(sPath, $"because it is defined in {vPath}"));
            return;
        }

        Completeness(structural, v, sPath, vPath, problems);
        if (v.Items is { } items)
        {
            NestedCompleteness(structural.Items, items, sPath.Child("items"), vPath.Child("items"), problems);
        }

        foreach (var (name, property) in v.Properties)
        {
            NestedCompleteness(structural.Property(name), property, sPath.Child("properties").Key(name), vPath.Child("properties").Key(name), problems);
        }
    }
}
