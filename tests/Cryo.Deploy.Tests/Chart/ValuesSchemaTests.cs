using System.Text.Json.Nodes;

namespace Cryo.Deploy.Tests.Chart;

/// <summary>values.yaml against values.schema.json, and the schema's strictness.</summary>
public sealed class ValuesSchemaTests
{
    [Fact]
    public void DefaultValues_Should_ValidateAgainstSchema()
    {
        // Act
        var errors = ValuesSchema.Errors(ValuesSchema.DefaultValues());

        // Assert
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Theory]
    [InlineData("operator.replicas", "\"two\"")]
    [InlineData("operator.replicas", "0")]
    [InlineData("operator.unknownSetting", "1")]
    [InlineData("agent.port", "70000")]
    [InlineData("agent.containerRuntime", "\"docker\"")]
    [InlineData("agent.terminationGracePeriodSeconds", "5")]
    [InlineData("storage.accessModes", "[\"ReadWriteSometimes\"]")]
    [InlineData("storage.size", "\"lots\"")]
    [InlineData("tls.source", "\"self-signed\"")]
    [InlineData("image.pullPolicy", "\"Sometimes\"")]
    [InlineData("metrics.serviceMonitor.interval", "30")]
    [InlineData("agent.extraHostPaths", "[{\"name\":\"x\",\"hostPath\":\"relative/path\"}]")]
    [InlineData("operator.tolerations", "[{\"operator\":\"Maybe\"}]")]
    [InlineData("tests.enabled", "\"yes\"")]
    [InlineData("tests.timeoutSeconds", "0")]
    [InlineData("tests.workloadImage", "\"\"")]
    [InlineData("tests.image", "\"busybox latest\"")]
    [InlineData("tests.namespace", "\"elsewhere\"")]
    public void Schema_Should_RejectValue_When_Invalid(string path, string json)
    {
        // Arrange
        var values = ValuesSchema.DefaultValues();
        Set(values, path, JsonNode.Parse(json));

        // Act
        var errors = ValuesSchema.Errors(values);

        // Assert
        Assert.True(errors.Count > 0, $"{path}={json} was accepted");
    }

    [Fact]
    public void Schema_Should_RejectSeveralReplicas_When_LeaderElectionIsOff()
    {
        // Arrange
        var values = ValuesSchema.DefaultValues();
        Set(values, "operator.leaderElection.enabled", false);
        var single = values.DeepClone();
        Set(single, "operator.replicas", 1);

        // Act
        var several = ValuesSchema.Errors(values);
        var one = ValuesSchema.Errors(single);

        // Assert
        Assert.NotEmpty(several);
        Assert.Empty(one);
    }

    [Fact]
    public void Schema_Should_RequireSecretNames_When_TlsComesFromExistingSecrets()
    {
        // Arrange
        var values = ValuesSchema.DefaultValues();
        Set(values, "tls.source", "existingSecrets");
        var named = values.DeepClone();
        Set(named, "tls.existingSecrets.agent", "my-agent-tls");
        Set(named, "tls.existingSecrets.operator", "my-operator-tls");

        // Act
        var unnamed = ValuesSchema.Errors(values);
        var withNames = ValuesSchema.Errors(named);

        // Assert
        Assert.NotEmpty(unnamed);
        Assert.Empty(withNames);
    }

    [Fact]
    public void Schema_Should_CloseEveryObject_So_TyposAreRejected()
    {
        // Arrange: every object schema either lists its properties and forbids others, or types its map values.
        var open = new List<string>();

        // Act
        Walk(ValuesSchema.Document(), "#", open);

        // Assert
        Assert.True(open.Count == 0, $"object schemas that accept any property:\n{string.Join("\n", open)}");
    }

    [Fact]
    public void Schema_Should_DescribeEveryValue()
    {
        // Arrange
        var schema = ValuesSchema.Document();
        var undocumented = new List<string>();

        // Act
        foreach (var (name, property) in schema["properties"]!.AsObject())
        {
            CollectUndocumented(property!, name, undocumented);
        }

        // Assert
        Assert.True(undocumented.Count == 0, $"values without a description:\n{string.Join("\n", undocumented)}");
    }

    private static void CollectUndocumented(JsonNode schema, string path, List<string> undocumented)
    {
        if (schema["description"] is null)
        {
            undocumented.Add(path);
        }

        foreach (var (name, property) in schema["properties"]?.AsObject() ?? [])
        {
            CollectUndocumented(property!, $"{path}.{name}", undocumented);
        }
    }

    // Free-form objects the chart passes through to Kubernetes as they are.
    private static readonly HashSet<string> PassThrough = ["affinity", "valueFrom"];

    private static void Walk(JsonNode? node, string path, List<string> open)
    {
        if (node is not JsonObject schema)
        {
            return;
        }

        var name = path[(path.LastIndexOf('/') + 1)..];
        if (schema["type"]?.ToString() == "object" && schema["additionalProperties"] is null && !PassThrough.Contains(name))
        {
            open.Add(path);
        }

        foreach (var (key, child) in schema)
        {
            switch (child)
            {
                case JsonObject obj when key is "properties":
                    foreach (var (property, sub) in obj)
                    {
                        Walk(sub, $"{path}/properties/{property}", open);
                    }

                    break;
                case JsonObject obj:
                    Walk(obj, $"{path}/{key}", open);
                    break;
                case JsonArray list:
                    for (var i = 0; i < list.Count; i++)
                    {
                        Walk(list[i], $"{path}/{key}/{i}", open);
                    }

                    break;
            }
        }
    }

    private static void Set(JsonNode values, string path, JsonNode? value)
    {
        var parts = path.Split('.');
        var node = values;
        foreach (var part in parts[..^1])
        {
            node = node[part] ?? throw new ArgumentException($"values.yaml has no {part} on the way to {path}");
        }

        node[parts[^1]] = value;
    }
}
