using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace Cryo.Deploy.Tests.Crds;

/// <summary>
/// Validates custom resources against a CRD the way the API server does on create and update: type meta
/// and name, defaults, the OpenAPI schema (through JsonSchema.Net, see <see cref="CrdSchemaConverter"/>),
/// then every x-kubernetes-validations rule (through <see cref="CelParser"/>'s subset of CEL).
/// </summary>
public sealed partial class CrdValidator
{
    private readonly JsonObject _openApiSchema;
    private readonly JsonSchema _jsonSchema;
    private readonly List<(CelRule Rule, Func<CelEnvironment, object?> Compiled)> _rules;

    private CrdValidator(string apiVersion, string kind, JsonObject openApiSchema)
    {
        ApiVersion = apiVersion;
        Kind = kind;
        _openApiSchema = openApiSchema;
        var converted = CrdSchemaConverter.Convert(openApiSchema).ToJsonString();
        _jsonSchema = JsonSchema.FromText(converted, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        Rules = SchemaRules.Collect(openApiSchema).ToList();
        _rules = Rules.Select(rule => (rule, CelParser.Compile(rule.Rule))).ToList();
    }

    /// <summary>group/version of the resources this validator accepts.</summary>
    public string ApiVersion { get; }

    /// <summary>The kind this validator accepts.</summary>
    public string Kind { get; }

    /// <summary>Every CEL rule of the schema.</summary>
    public IReadOnlyList<CelRule> Rules { get; }

    /// <summary>Loads the storage version of the CRD in <paramref name="path"/>.</summary>
    /// <exception cref="CelUnsupportedException">A rule of the CRD is outside the evaluated CEL subset.</exception>
    public static CrdValidator Load(string path)
    {
        var crd = YamlDocuments.ParseSingleFile(path);
        var version = crd.ObjectsAt("spec.versions").Single(v => v.At("storage")?.GetValue<bool>() == true);
        var schema = version.At("schema.openAPIV3Schema") as JsonObject
            ?? throw new InvalidDataException($"{path}: version {version.StringAt("name")} has no openAPIV3Schema");
        return new CrdValidator($"{crd.StringAt("spec.group")}/{version.StringAt("name")}", crd.StringAt("spec.names.kind")!, schema);
    }

    /// <summary>
    /// Validates <paramref name="obj"/> as a create, or as an update of <paramref name="old"/> when given
    /// (transition rules run only then). Neither argument is modified.
    /// </summary>
    public CrdValidationResult Validate(JsonNode obj, JsonNode? old = null)
    {
        var errors = new List<string>();
        if (obj.StringAt("apiVersion") != ApiVersion || obj.StringAt("kind") != Kind)
        {
            errors.Add($"apiVersion/kind must be {ApiVersion}/{Kind}, got {obj.StringAt("apiVersion")}/{obj.StringAt("kind")}");
        }

        var name = obj.StringAt("metadata.name");
        if (name is null || name.Length > 253 || !DnsSubdomain().IsMatch(name))
        {
            errors.Add($"metadata.name '{name}' must be a DNS subdomain");
        }

        var defaulted = obj.DeepClone();
        SchemaDefaulter.Apply(_openApiSchema, defaulted);
        var oldDefaulted = old?.DeepClone();
        if (oldDefaulted is not null)
        {
            SchemaDefaulter.Apply(_openApiSchema, oldDefaulted);
        }

        errors.AddRange(EvaluateSchema(defaulted));
        if (errors.Count == 0)
        {
            errors.AddRange(EvaluateRules(defaulted, oldDefaulted));
        }

        return new CrdValidationResult(defaulted, errors);
    }

    private IEnumerable<string> EvaluateSchema(JsonNode instance)
    {
        using var document = JsonDocument.Parse(instance.ToJsonString());
        var result = _jsonSchema.Evaluate(document.RootElement, new EvaluationOptions
        {
            OutputFormat = OutputFormat.List,
            RequireFormatValidation = true,
        });
        if (result.IsValid)
        {
            return [];
        }

        return (result.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"))
            .DefaultIfEmpty("schema validation failed")
            .ToList();
    }

    private IEnumerable<string> EvaluateRules(JsonNode instance, JsonNode? old)
    {
        foreach (var (rule, compiled) in _rules)
        {
            if (rule.IsTransition && old is null)
            {
                continue;
            }

            foreach (var (location, self) in SchemaRules.Locate(instance, rule.SchemaPath))
            {
                var environment = new CelEnvironment().With("self", CelValues.FromJson(self));
                if (rule.IsTransition)
                {
                    var previous = SchemaRules.Locate(old!, rule.SchemaPath).FirstOrDefault(p => p.Location == location);
                    if (previous.Location is null)
                    {
                        continue; // a new value has no old one to compare with
                    }

                    environment = environment.With("oldSelf", CelValues.FromJson(previous.Node));
                }

                string? failure;
                try
                {
                    failure = CelValues.AsBool(compiled(environment), "a rule's result") ? null : rule.Message;
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

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();
}
