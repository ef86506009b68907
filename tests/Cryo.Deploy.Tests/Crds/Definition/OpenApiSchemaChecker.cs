using System.Text.RegularExpressions;

namespace Cryo.Deploy.Tests.Crds.Definition;

/// <summary>
/// The per-node OpenAPI rules apiextensions applies to a CRD schema (ValidateCustomResourceDefinitionOpenAPISchema
/// and specStandardValidatorV3): only OpenAPI v3 types, no $ref/id/definitions/dependencies/patternProperties/
/// additionalItems, no uniqueItems, additionalProperties and properties exclusive, defaults nowhere in
/// top-level apiVersion/kind/metadata, the x-kubernetes-* extensions only where they mean something (map
/// type on objects, list type on arrays, set items atomic, map-list keys required-or-defaulted scalars),
/// and well-formed x-kubernetes-validations, whose rules <see cref="CelRuleChecker"/> compiles and prices
/// when nothing at or below them is wrong.
/// </summary>
public static partial class OpenApiSchemaChecker
{
    private static readonly string[] OpenApiTypes = ["array", "boolean", "integer", "number", "object", "string"];
    private static readonly string[] ValidationReasons = ["FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"];
    private static readonly string[] MetaFields = ["apiVersion", "kind", "metadata"];

    /// <summary>Problems of the schema <paramref name="root"/> at <paramref name="path"/>; rules are compiled when <paramref name="costTotal"/> is given.</summary>
    public static IReadOnlyList<CrdProblem> Check(SchemaNode root, FieldPath path, CelCostTotal? costTotal)
    {
        var (schemaProblems, celProblems) = Node(root, path, SchemaContext.Root(costTotal), isRoot: true);
        return [.. schemaProblems, .. celProblems];
    }

    private static (List<CrdProblem> Schema, List<CrdProblem> Cel) Node(SchemaNode s, FieldPath path, SchemaContext context, bool isRoot)
    {
        var schema = new List<CrdProblem>();
        var cel = new List<CrdProblem>();
        void Merge((List<CrdProblem> Schema, List<CrdProblem> Cel) child)
        {
            schema.AddRange(child.Schema);
            cel.AddRange(child.Cel);
        }

        schema.AddRange(StandardProblems(s, path, context));
        if (s.Flag("uniqueItems"))
        {
            schema.Add(CrdProblem.Forbidden(path.Child("uniqueItems"), "uniqueItems cannot be set to true since the runtime complexity becomes quadratic"));
        }

        if (s.HasAdditionalProperties)
        {
            if (s.HasProperties && (s.AdditionalPropertiesForbidden || s.AdditionalProperties is not null))
            {
                schema.Add(CrdProblem.Forbidden(path.Child("additionalProperties"), "additionalProperties and properties are mutual exclusive"));
            }

            if (s.AdditionalProperties is { } additional)
            {
                // Pruning cannot tell which object-meta values a default would belong to.
                var sub = context.InsideResourceMeta ? context.WithForbiddenDefaults("inside additionalProperties applying to object metadata") : context;
                Merge(Node(additional, path.Child("additionalProperties"), sub.ForChildOf(s), isRoot: false));
            }
        }

        foreach (var (name, property) in s.Properties)
        {
            var sub = context.ForChildOf(s);
            if (s.MapType is not (null or "granular" or "atomic"))
            {
                sub = sub.WithUncorrelatable(path);
            }

            if ((isRoot || s.EmbeddedResource) && MetaFields.Contains(name))
            {
                sub = sub with { InsideResourceMeta = true };
                if (isRoot)
                {
                    sub = sub.WithForbiddenDefaults($"in top-level {name}");
                }
            }

            Merge(Node(property, path.Child("properties").Key(name), sub, isRoot: false));
        }

        if (s.Not is { } not)
        {
            Merge(Node(not, path.Child("not"), context.ForJunctor(), isRoot: false));
        }

        foreach (var junctor in new[] { "allOf", "oneOf", "anyOf" })
        {
            var clauses = s.Junctor(junctor);
            for (var i = 0; i < clauses.Count; i++)
            {
                Merge(Node(clauses[i], path.Child(junctor).Index(i), context.ForJunctor(), isRoot: false));
            }
        }

        if (s.Items is { } items)
        {
            // Items of a list can only be paired old-to-new by key, in list-type map lists.
            var sub = s.ListType == "map" ? context.ForChildOf(s) : context.ForChildOf(s).WithUncorrelatable(path);
            Merge(Node(items, path.Child("items"), sub, isRoot: false));
        }

        schema.AddRange(ExtensionProblems(s, path));
        schema.AddRange(MapListKeyProblems(s, path));
        schema.AddRange(ValidationFieldProblems(s, path));

        // Like the API server: no rule is compiled while the schema at or below it is wrong, since its
        // errors would only echo the schema's.
        if (schema.Count == 0 && context.CostTotal is { } total)
        {
            cel.AddRange(CelRuleChecker.Check(s, path, isRoot || s.EmbeddedResource, context.Cardinality, context.Uncorrelatable, total));
        }

        return (schema, cel);
    }

    private static IEnumerable<CrdProblem> StandardProblems(SchemaNode s, FieldPath path, SchemaContext context)
    {
        if (s.Type.Length > 0 && !OpenApiTypes.Contains(s.Type))
        {
            yield return CrdProblem.NotSupported(path.Child("type"), s.Type, OpenApiTypes);
        }

        if (s.Default is not null && !context.AllowDefaults)
        {
            yield return CrdProblem.Forbidden(path.Child("default"), context.DefaultsForbiddenReason is { Length: > 0 } reason ? $"must not be set {reason}" : "must not be set");
        }

        var unsupported = new (string Keyword, string Detail)[]
        {
            ("id", "id is not supported"),
            ("additionalItems", "additionalItems is not supported"),
            ("patternProperties", "patternProperties is not supported"),
            ("definitions", "definitions is not supported"),
            ("dependencies", "dependencies is not supported"),
            ("$ref", "$ref is not supported"),
        };
        foreach (var (keyword, detail) in unsupported.Where(u => s.Json[u.Keyword] is not null))
        {
            yield return CrdProblem.Forbidden(path.Child(keyword), detail);
        }

        if (s.Type == "null")
        {
            yield return CrdProblem.Forbidden(path.Child("type"), "type cannot be set to null, use nullable as an alternative");
        }

        if (s.Json["items"] is System.Text.Json.Nodes.JsonArray)
        {
            yield return CrdProblem.Forbidden(path.Child("items"), "items must be a schema object and not an array");
        }

        if (context.InsideResourceMeta && s.EmbeddedResource)
        {
            yield return CrdProblem.Forbidden(path.Child("x-kubernetes-embedded-resource"), "must not be used inside of resource meta");
        }
    }

    private static IEnumerable<CrdProblem> ExtensionProblems(SchemaNode s, FieldPath path)
    {
        if (s.Json["x-kubernetes-preserve-unknown-fields"] is { } preserve && !s.PreserveUnknownFields)
        {
            yield return CrdProblem.Invalid(path.Child("x-kubernetes-preserve-unknown-fields"), preserve, "must be true or undefined");
        }

        if (s.MapType is { } mapType)
        {
            if (s.Type != "object")
            {
                yield return TypeMustBe(path, s.Type, "must be object if x-kubernetes-map-type is specified");
            }

            if (mapType is not ("atomic" or "granular"))
            {
                yield return CrdProblem.NotSupported(path.Child("x-kubernetes-map-type"), mapType, ["atomic", "granular"]);
            }
        }

        if (s.ListType is { } listType)
        {
            if (s.Type != "array")
            {
                yield return TypeMustBe(path, s.Type, "must be array if x-kubernetes-list-type is specified");
            }
            else if (listType == "set" && s.Items is { } setItems)
            {
                // A set compares whole items, so items must be compared whole too.
                if (setItems.Type == "array" && setItems.ListType is { } itemListType && itemListType != "atomic")
                {
                    yield return CrdProblem.Invalid(path.Child("items").Child("x-kubernetes-list-type"), itemListType, "must be atomic as item of a list with x-kubernetes-list-type=set");
                }
                else if (setItems.Type == "object" && setItems.MapType != "atomic")
                {
                    yield return CrdProblem.Invalid(path.Child("items").Child("x-kubernetes-map-type"), setItems.MapType, "must be atomic as item of a list with x-kubernetes-list-type=set");
                }
            }

            if (listType is not ("atomic" or "set" or "map"))
            {
                yield return CrdProblem.NotSupported(path.Child("x-kubernetes-list-type"), listType, ["atomic", "set", "map"]);
            }
        }

        if (s.ListMapKeys.Count > 0 && s.ListType != "map")
        {
            yield return s.ListType is null
                ? CrdProblem.Required(path.Child("x-kubernetes-list-type"), "must be map if x-kubernetes-list-map-keys is non-empty")
                : CrdProblem.Invalid(path.Child("x-kubernetes-list-type"), s.ListType, "must be map if x-kubernetes-list-map-keys is non-empty");
        }

        if (s.ListType == "map")
        {
            foreach (var problem in MapListProblems(s, path))
            {
                yield return problem;
            }
        }
    }

    private static CrdProblem TypeMustBe(FieldPath path, string type, string detail) =>
        type.Length == 0 ? CrdProblem.Required(path.Child("type"), detail) : CrdProblem.Invalid(path.Child("type"), type, detail);

    private static IEnumerable<CrdProblem> MapListProblems(SchemaNode s, FieldPath path)
    {
        if (s.ListMapKeys.Count == 0)
        {
            yield return CrdProblem.Required(path.Child("x-kubernetes-list-map-keys"), "must not be empty if x-kubernetes-list-type is map");
        }

        if (s.Json["items"] is null)
        {
            yield return CrdProblem.Required(path.Child("items"), "must have a schema if x-kubernetes-list-type is map");
            yield break;
        }

        if (s.Items is not { } items)
        {
            yield return CrdProblem.Invalid(path.Child("items"), s.Json["items"], "must only have a single schema if x-kubernetes-list-type is map");
            yield break;
        }

        if (items.Type != "object")
        {
            yield return CrdProblem.Invalid(path.Child("items").Child("type"), items.Type, "must be object if parent array's x-kubernetes-list-type is map");
            yield break;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in s.ListMapKeys)
        {
            if (items.Property(key) is { } keySchema)
            {
                if (keySchema.Type is "array" or "object")
                {
                    yield return CrdProblem.Invalid(path.Child("items").Child("properties").Key(key).Child("type"), keySchema.Type, "must be a scalar type if parent array's x-kubernetes-list-type is map");
                }
            }
            else
            {
                yield return CrdProblem.Invalid(path.Child("x-kubernetes-list-map-keys"), s.Json["x-kubernetes-list-map-keys"], "entries must all be names of item properties");
            }

            if (!seen.Add(key))
            {
                yield return CrdProblem.Invalid(path.Child("x-kubernetes-list-map-keys"), s.Json["x-kubernetes-list-map-keys"], "must not contain duplicate entries");
            }
        }
    }

    // Keys identify items in server-side apply and in oldSelf pairing: every item must have them, non-null.
    private static IEnumerable<CrdProblem> MapListKeyProblems(SchemaNode s, FieldPath path)
    {
        if (s.Items is not { } items || s.ListType is not ("set" or "map"))
        {
            yield break;
        }

        if (items.Nullable)
        {
            yield return CrdProblem.Forbidden(path.Child("items").Child("nullable"), $"cannot be nullable when x-kubernetes-list-type is {s.ListType}");
        }

        if (s.ListType != "map")
        {
            yield break;
        }

        foreach (var key in s.ListMapKeys)
        {
            if (items.Property(key) is not { } keySchema)
            {
                continue;
            }

            if (!items.Required.Contains(key) && keySchema.Default is null)
            {
                yield return CrdProblem.Required(path.Child("items").Child("properties").Key(key).Child("default"), "this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property");
            }

            if (keySchema.Nullable)
            {
                yield return CrdProblem.Forbidden(path.Child("items").Child("properties").Key(key).Child("nullable"), "this property is in x-kubernetes-list-map-keys, so it cannot be nullable");
            }
        }
    }

    private static IEnumerable<CrdProblem> ValidationFieldProblems(SchemaNode s, FieldPath path)
    {
        var rules = s.Validations;
        for (var i = 0; i < rules.Count; i++)
        {
            var rulePath = path.Child("x-kubernetes-validations").Index(i);
            var rule = rules[i].StringAt("rule") ?? string.Empty;
            var message = rules[i].StringAt("message") ?? string.Empty;
            if (rule.Trim().Length == 0)
            {
                yield return CrdProblem.Required(rulePath.Child("rule"), "rule is not specified");
            }
            else if (message.Length > 0 && message.Trim().Length == 0)
            {
                yield return CrdProblem.Invalid(rulePath.Child("message"), message, "message must be non-empty if specified");
            }
            else if (HasNewlines(message.Trim()))
            {
                yield return CrdProblem.Invalid(rulePath.Child("message"), message, "message must not contain line breaks");
            }
            else if (HasNewlines(rule.Trim()) && message.Trim().Length == 0)
            {
                yield return CrdProblem.Required(rulePath.Child("message"), "message must be specified if rule contains line breaks");
            }

            if (rules[i].StringAt("messageExpression") is { } messageExpression && messageExpression.Trim().Length == 0)
            {
                yield return CrdProblem.Required(rulePath.Child("messageExpression"), "messageExpression must be non-empty if specified");
            }

            if (rules[i].StringAt("reason") is { } reason && !ValidationReasons.Contains(reason))
            {
                yield return CrdProblem.NotSupported(rulePath.Child("reason"), reason, ValidationReasons);
            }

            if (rules[i].StringAt("fieldPath") is { } fieldPath)
            {
                if (fieldPath.Trim().Length == 0)
                {
                    yield return CrdProblem.Invalid(rulePath.Child("fieldPath"), fieldPath, "fieldPath must be non-empty if specified");
                }
                else if (HasNewlines(fieldPath))
                {
                    yield return CrdProblem.Invalid(rulePath.Child("fieldPath"), fieldPath, "fieldPath must not contain line breaks");
                }
                else if (SchemaFieldPath.Resolve(fieldPath, s, allowArrayNotation: true) is null)
                {
                    yield return CrdProblem.Invalid(rulePath.Child("fieldPath"), fieldPath, "fieldPath must be a valid path");
                }
            }
        }
    }

    private static bool HasNewlines(string text) => Newlines().IsMatch(text);

    [GeneratedRegex(@"[\n\r]+")]
    private static partial Regex Newlines();
}
