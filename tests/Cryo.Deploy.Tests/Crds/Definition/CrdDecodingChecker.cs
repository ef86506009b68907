using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cryo.Deploy.Tests.Crds.Definition;

/// <summary>
/// What the API server's strict decoding of an apiextensions.k8s.io/v1 CustomResourceDefinition refuses
/// before any validation runs (kubectl asks for strict field validation by default): fields the types do
/// not have (a misspelt <c>maxlength</c> included) and values of the wrong JSON type.
/// </summary>
public static class CrdDecodingChecker
{
    private static readonly Dictionary<string, Action<JsonNode?, FieldPath, List<CrdProblem>>> SchemaKeywords = new(StringComparer.Ordinal)
    {
        ["id"] = Expect(JsonValueKind.String),
        ["$schema"] = Expect(JsonValueKind.String),
        ["$ref"] = Expect(JsonValueKind.String),
        ["description"] = Expect(JsonValueKind.String),
        ["type"] = Expect(JsonValueKind.String),
        ["format"] = Expect(JsonValueKind.String),
        ["title"] = Expect(JsonValueKind.String),
        ["pattern"] = Expect(JsonValueKind.String),
        ["x-kubernetes-list-type"] = Expect(JsonValueKind.String),
        ["x-kubernetes-map-type"] = Expect(JsonValueKind.String),
        ["maximum"] = Expect(JsonValueKind.Number),
        ["minimum"] = Expect(JsonValueKind.Number),
        ["multipleOf"] = Expect(JsonValueKind.Number),
        ["exclusiveMaximum"] = ExpectBool,
        ["exclusiveMinimum"] = ExpectBool,
        ["uniqueItems"] = ExpectBool,
        ["nullable"] = ExpectBool,
        ["x-kubernetes-preserve-unknown-fields"] = ExpectBool,
        ["x-kubernetes-embedded-resource"] = ExpectBool,
        ["x-kubernetes-int-or-string"] = ExpectBool,
        ["maxLength"] = ExpectInteger,
        ["minLength"] = ExpectInteger,
        ["maxItems"] = ExpectInteger,
        ["minItems"] = ExpectInteger,
        ["maxProperties"] = ExpectInteger,
        ["minProperties"] = ExpectInteger,
        ["default"] = (_, _, _) => { },
        ["example"] = (_, _, _) => { },
        ["enum"] = Expect(JsonValueKind.Array),
        ["required"] = ExpectStrings,
        ["x-kubernetes-list-map-keys"] = ExpectStrings,
        ["not"] = CheckSchema,
        ["items"] = (node, path, problems) =>
        {
            if (node is JsonArray list)
            {
                CheckEach(list, path, problems, CheckSchema);
            }
            else
            {
                CheckSchema(node, path, problems);
            }
        },
        ["additionalProperties"] = SchemaOrBool,
        ["additionalItems"] = SchemaOrBool,
        ["allOf"] = SchemaList,
        ["oneOf"] = SchemaList,
        ["anyOf"] = SchemaList,
        ["properties"] = SchemaMap,
        ["patternProperties"] = SchemaMap,
        ["definitions"] = SchemaMap,
        ["dependencies"] = (node, path, problems) => Map(node, path, problems, (value, p, ps) =>
        {
            if (value is JsonArray)
            {
                ExpectStrings(value, p, ps);
            }
            else
            {
                CheckSchema(value, p, ps);
            }
        }),
        ["externalDocs"] = Fields(new()
        {
            ["description"] = Expect(JsonValueKind.String),
            ["url"] = Expect(JsonValueKind.String),
        }),
        ["x-kubernetes-validations"] = (node, path, problems) => List(node, path, problems, Fields(new()
        {
            ["rule"] = Expect(JsonValueKind.String),
            ["message"] = Expect(JsonValueKind.String),
            ["messageExpression"] = Expect(JsonValueKind.String),
            ["reason"] = Expect(JsonValueKind.String),
            ["fieldPath"] = Expect(JsonValueKind.String),
            ["optionalOldSelf"] = ExpectBool,
        })),
    };

    /// <summary>Every decoding problem of <paramref name="crd"/>.</summary>
    public static IReadOnlyList<CrdProblem> Check(JsonNode crd)
    {
        var problems = new List<CrdProblem>();
        Root(crd, problems);
        return problems;
    }

    /// <summary>Decoding problems of one OpenAPI v3 schema object at <paramref name="path"/>.</summary>
    public static void CheckSchema(JsonNode? node, FieldPath path, List<CrdProblem> problems)
    {
        if (node is not JsonObject schema)
        {
            problems.Add(CrdProblem.Decoding(path, $"must be an object, got {Kind(node)}"));
            return;
        }

        CheckFields(schema, SchemaKeywords, path, problems);
    }

    private static void Root(JsonNode? node, List<CrdProblem> problems)
    {
        if (node is not JsonObject root)
        {
            problems.Add(CrdProblem.Decoding(FieldPath.Root("<root>"), "must be an object"));
            return;
        }

        var known = new Dictionary<string, Action<JsonNode?, FieldPath, List<CrdProblem>>>(StringComparer.Ordinal)
        {
            ["apiVersion"] = Expect(JsonValueKind.String),
            ["kind"] = Expect(JsonValueKind.String),
            ["metadata"] = ObjectMeta,
            ["spec"] = Spec,
            ["status"] = (_, _, _) => { }, // written by the API server, ignored on create
        };
        foreach (var (name, value) in root)
        {
            var child = FieldPath.Root(name);
            if (known.TryGetValue(name, out var check))
            {
                check(value, child, problems);
            }
            else
            {
                problems.Add(CrdProblem.Decoding(child, "unknown field"));
            }
        }
    }

    private static Action<JsonNode?, FieldPath, List<CrdProblem>> ObjectMeta => Fields(new()
    {
        ["name"] = Expect(JsonValueKind.String),
        ["generateName"] = Expect(JsonValueKind.String),
        ["namespace"] = Expect(JsonValueKind.String),
        ["labels"] = StringMap,
        ["annotations"] = StringMap,
        ["finalizers"] = ExpectStrings,
        ["ownerReferences"] = Expect(JsonValueKind.Array),
        ["uid"] = Expect(JsonValueKind.String),
        ["resourceVersion"] = Expect(JsonValueKind.String),
        ["generation"] = ExpectInteger,
        ["creationTimestamp"] = (_, _, _) => { },
        ["deletionTimestamp"] = (_, _, _) => { },
        ["deletionGracePeriodSeconds"] = ExpectInteger,
        ["selfLink"] = Expect(JsonValueKind.String),
        ["managedFields"] = Expect(JsonValueKind.Array),
    });

    private static Action<JsonNode?, FieldPath, List<CrdProblem>> Spec => Fields(new()
    {
        ["group"] = Expect(JsonValueKind.String),
        ["scope"] = Expect(JsonValueKind.String),
        ["preserveUnknownFields"] = ExpectBool,
        ["names"] = Fields(new()
        {
            ["plural"] = Expect(JsonValueKind.String),
            ["singular"] = Expect(JsonValueKind.String),
            ["kind"] = Expect(JsonValueKind.String),
            ["listKind"] = Expect(JsonValueKind.String),
            ["shortNames"] = ExpectStrings,
            ["categories"] = ExpectStrings,
        }),
        ["versions"] = (node, path, problems) => List(node, path, problems, Version),
        ["conversion"] = Fields(new()
        {
            ["strategy"] = Expect(JsonValueKind.String),
            ["webhook"] = Fields(new()
            {
                ["conversionReviewVersions"] = ExpectStrings,
                ["clientConfig"] = Fields(new()
                {
                    ["url"] = Expect(JsonValueKind.String),
                    ["caBundle"] = Expect(JsonValueKind.String),
                    ["service"] = Fields(new()
                    {
                        ["namespace"] = Expect(JsonValueKind.String),
                        ["name"] = Expect(JsonValueKind.String),
                        ["path"] = Expect(JsonValueKind.String),
                        ["port"] = ExpectInteger,
                    }),
                }),
            }),
        }),
    });

    private static Action<JsonNode?, FieldPath, List<CrdProblem>> Version => Fields(new()
    {
        ["name"] = Expect(JsonValueKind.String),
        ["served"] = ExpectBool,
        ["storage"] = ExpectBool,
        ["deprecated"] = ExpectBool,
        ["deprecationWarning"] = Expect(JsonValueKind.String),
        ["schema"] = Fields(new() { ["openAPIV3Schema"] = CheckSchema }),
        ["subresources"] = Fields(new()
        {
            ["status"] = Fields(new()),
            ["scale"] = Fields(new()
            {
                ["specReplicasPath"] = Expect(JsonValueKind.String),
                ["statusReplicasPath"] = Expect(JsonValueKind.String),
                ["labelSelectorPath"] = Expect(JsonValueKind.String),
            }),
        }),
        ["additionalPrinterColumns"] = (node, path, problems) => List(node, path, problems, Fields(new()
        {
            ["name"] = Expect(JsonValueKind.String),
            ["type"] = Expect(JsonValueKind.String),
            ["format"] = Expect(JsonValueKind.String),
            ["description"] = Expect(JsonValueKind.String),
            ["priority"] = ExpectInteger,
            ["jsonPath"] = Expect(JsonValueKind.String),
        })),
        ["selectableFields"] = (node, path, problems) => List(node, path, problems, Fields(new()
        {
            ["jsonPath"] = Expect(JsonValueKind.String),
        })),
    });

    private static Action<JsonNode?, FieldPath, List<CrdProblem>> Fields(Dictionary<string, Action<JsonNode?, FieldPath, List<CrdProblem>>> known) =>
        (node, path, problems) =>
        {
            if (node is null)
            {
                return; // null decodes as the zero value
            }

            if (node is not JsonObject obj)
            {
                problems.Add(CrdProblem.Decoding(path, $"must be an object, got {Kind(node)}"));
                return;
            }

            CheckFields(obj, known, path, problems);
        };

    /// <summary>Checks each field of <paramref name="obj"/> as <paramref name="known"/> says; a field it does not name is unknown to the type.</summary>
    private static void CheckFields(JsonObject obj, Dictionary<string, Action<JsonNode?, FieldPath, List<CrdProblem>>> known, FieldPath path, List<CrdProblem> problems)
    {
        foreach (var (name, value) in obj)
        {
            if (known.TryGetValue(name, out var check))
            {
                check(value, path.Child(name), problems);
            }
            else
            {
                problems.Add(CrdProblem.Decoding(path.Child(name), "unknown field"));
            }
        }
    }

    private static void List(JsonNode? node, FieldPath path, List<CrdProblem> problems, Action<JsonNode?, FieldPath, List<CrdProblem>> item)
    {
        if (node is null)
        {
            return;
        }

        if (node is not JsonArray list)
        {
            problems.Add(CrdProblem.Decoding(path, $"must be a list, got {Kind(node)}"));
            return;
        }

        CheckEach(list, path, problems, item);
    }

    private static void CheckEach(JsonArray list, FieldPath path, List<CrdProblem> problems, Action<JsonNode?, FieldPath, List<CrdProblem>> item)
    {
        for (var i = 0; i < list.Count; i++)
        {
            item(list[i], path.Index(i), problems);
        }
    }

    private static void Map(JsonNode? node, FieldPath path, List<CrdProblem> problems, Action<JsonNode?, FieldPath, List<CrdProblem>> value)
    {
        if (node is null)
        {
            return;
        }

        if (node is not JsonObject map)
        {
            problems.Add(CrdProblem.Decoding(path, $"must be an object, got {Kind(node)}"));
            return;
        }

        foreach (var (key, child) in map)
        {
            value(child, path.Key(key), problems);
        }
    }

    private static void SchemaMap(JsonNode? node, FieldPath path, List<CrdProblem> problems) => Map(node, path, problems, CheckSchema);

    private static void SchemaList(JsonNode? node, FieldPath path, List<CrdProblem> problems) => List(node, path, problems, CheckSchema);

    private static void SchemaOrBool(JsonNode? node, FieldPath path, List<CrdProblem> problems)
    {
        if (node is JsonValue value && value.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            return;
        }

        CheckSchema(node, path, problems);
    }

    private static void StringMap(JsonNode? node, FieldPath path, List<CrdProblem> problems) =>
        Map(node, path, problems, Expect(JsonValueKind.String));

    private static void ExpectStrings(JsonNode? node, FieldPath path, List<CrdProblem> problems) =>
        List(node, path, problems, Expect(JsonValueKind.String));

    private static void ExpectBool(JsonNode? node, FieldPath path, List<CrdProblem> problems)
    {
        if (node is not null && !(node is JsonValue value && value.GetValueKind() is JsonValueKind.True or JsonValueKind.False))
        {
            problems.Add(CrdProblem.Decoding(path, $"must be a boolean, got {Kind(node)}"));
        }
    }

    private static void ExpectInteger(JsonNode? node, FieldPath path, List<CrdProblem> problems)
    {
        if (node is not null && !SchemaNode.TryInteger(node, out _))
        {
            problems.Add(CrdProblem.Decoding(path, $"must be an integer, got {Kind(node)}"));
        }
    }

    private static Action<JsonNode?, FieldPath, List<CrdProblem>> Expect(JsonValueKind kind) => (node, path, problems) =>
    {
        if (node is not null && node.GetValueKind() != kind)
        {
            problems.Add(CrdProblem.Decoding(path, $"must be {kind.ToString().ToLowerInvariant()}, got {Kind(node)}"));
        }
    };

    private static string Kind(JsonNode? node) => node is null ? "null" : node.GetValueKind().ToString().ToLowerInvariant();
}
