using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Cryo.Deploy.Tests.Crds.Definition;

/// <summary>
/// Every default must be a value the API server would itself accept there (apiextensions
/// pkg/apiserver/schema/defaulting ValidateDefaults): nothing pruning would drop, valid against its schema
/// (type, enum, bounds, pattern, format, required), and passing the x-kubernetes-validations rules of its
/// schema and below. Defaults are not followed into additionalProperties (forbidden there anyway).
/// </summary>
/// <remarks>
/// Defaults inside an embedded resource's apiVersion/kind/metadata are checked against their own schema
/// only, not by building the surrounding object as the API server does. Rules are evaluated with the
/// <see cref="CelParser"/> subset; a rule outside it is reported rather than skipped.
/// </remarks>
public static class SchemaDefaultsChecker
{
    /// <summary>Problems of the defaults in the schema <paramref name="root"/> at <paramref name="path"/>.</summary>
    public static IReadOnlyList<CrdProblem> Check(SchemaNode root, FieldPath path)
    {
        var problems = new List<CrdProblem>();

        // The API server treats the schema root as a resource: its apiVersion/kind/metadata are object meta.
        Visit(root, path, insideMeta: false, resourceRoot: true, problems);
        return problems;
    }

    private static void Visit(SchemaNode s, FieldPath path, bool insideMeta, bool resourceRoot, List<CrdProblem> problems)
    {
        if (s.EmbeddedResource)
        {
            insideMeta = false;
            resourceRoot = true;
        }

        if (s.Default is { } value)
        {
            CheckDefault(s, value, path.Child("default"), insideMeta, resourceRoot, problems);
        }

        if (s.Items is { } items)
        {
            Visit(items, path.Child("items"), insideMeta, resourceRoot: false, problems);
        }

        foreach (var (name, property) in s.Properties)
        {
            var subInsideMeta = insideMeta || (resourceRoot && name is "apiVersion" or "kind" or "metadata");
            Visit(property, path.Child("properties").Key(name), subInsideMeta, resourceRoot: false, problems);
        }
    }

    private static void CheckDefault(SchemaNode s, JsonNode value, FieldPath path, bool insideMeta, bool resourceRoot, List<CrdProblem> problems)
    {
        if (!insideMeta && !JsonNode.DeepEquals(SchemaPruner.Prune(value, s, resourceRoot), value))
        {
            problems.Add(CrdProblem.Invalid(path, value, "must not have unknown fields"));
        }

        var schemaErrors = SchemaErrors(s, value);
        foreach (var error in schemaErrors)
        {
            problems.Add(CrdProblem.Invalid(path, value, error));
        }

        if (schemaErrors.Count == 0)
        {
            foreach (var failure in RuleFailures(s, value))
            {
                problems.Add(CrdProblem.Invalid(path, value, failure));
            }
        }
    }

    private static List<string> SchemaErrors(SchemaNode s, JsonNode value)
    {
        JsonSchema jsonSchema;
        try
        {
            jsonSchema = JsonSchema.FromText(CrdSchemaConverter.Convert(s.Json).ToJsonString(), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        }
        catch (JsonSchemaException)
        {
            return []; // a schema that is no schema (type: int): OpenApiSchemaChecker reports the keyword itself
        }

        using var document = JsonDocument.Parse(value.ToJsonString());
        var result = jsonSchema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        return result.IsValid
            ? []
            : (result.Details ?? [])
                .Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"))
                .DefaultIfEmpty("does not validate against its schema")
                .ToList();
    }

    // A default is created, never updated: transition rules do not apply to it.
    private static IEnumerable<string> RuleFailures(SchemaNode s, JsonNode value)
    {
        foreach (var rule in SchemaRules.Collect(s.Json).Where(r => !r.IsTransition))
        {
            if (TryCompile(rule.Rule) is not { } compiled)
            {
                continue; // CelRuleChecker reports the rule itself
            }

            foreach (var (location, self) in SchemaRules.Locate(value, rule.SchemaPath))
            {
                string? failure;
                try
                {
                    failure = CelValues.AsBool(compiled(new CelEnvironment().With("self", CelValues.FromJson(self))), "a rule's result") ? null : rule.Message;
                }
                catch (CelEvaluationException e)
                {
                    failure = $"rule '{rule.Rule}' failed to evaluate: {e.Message}";
                }

                if (failure is not null)
                {
                    yield return $"{location}: {failure}";
                }
            }
        }
    }

    private static Func<CelEnvironment, object?>? TryCompile(string rule)
    {
        try
        {
            return CelParser.Compile(rule);
        }
        catch (CelUnsupportedException)
        {
            return null;
        }
    }
}
