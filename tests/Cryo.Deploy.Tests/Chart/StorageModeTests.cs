using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Cryo.Deploy.Tests.Chart;

/// <summary>
/// <c>storage.mode</c>: <c>shared</c> mounts one claim in every agent; <c>perNode</c> gives each agent a host directory of
/// its own node and creates no claim. The templates are rendered as the other chart tests render them (the scanner's
/// skeleton), with the branch of each <c>storage.mode</c> condition that the mode takes.
/// </summary>
public sealed partial class StorageModeTests
{
    private const string Placeholder = "p";
    private static readonly string Templates = RepoRoot.Combine("charts/cryo/templates");

    [Fact]
    public void Agent_Should_KeepCheckpointsInAHostDirectoryOfItsNode_AndNoClaimBeMade_When_StorageModeIsPerNode()
    {
        // Act
        var volume = CheckpointsVolume("perNode");
        var claim = Render("pvc.yaml", "perNode");

        // Assert
        Assert.Null(volume["persistentVolumeClaim"]);
        Assert.Equal((Placeholder, "DirectoryOrCreate"), (volume.StringAt("hostPath.path"), volume.StringAt("hostPath.type")));
        Assert.Empty(claim);
    }

    [Fact]
    public void Agent_Should_MountTheSharedClaim_When_StorageModeIsShared()
    {
        // Act
        var volume = CheckpointsVolume("shared");
        var claim = Assert.Single(Render("pvc.yaml", "shared"));

        // Assert
        Assert.Null(volume["hostPath"]);
        Assert.Equal(Placeholder, volume.StringAt("persistentVolumeClaim.claimName"));
        Assert.Equal("PersistentVolumeClaim", claim.StringAt("kind"));
    }

    [Fact]
    public void Values_Should_DefaultToShared_And_TheSchemaAcceptOnlyTheTwoModesAndAnAbsoluteHostPath()
    {
        // Arrange
        var values = ValuesSchema.DefaultValues();
        var perNode = values.DeepClone();
        perNode["storage"]!["mode"] = "perNode";
        var unknown = values.DeepClone();
        unknown["storage"]!["mode"] = "nfs";
        var relative = perNode.DeepClone();
        relative["storage"]!["perNode"]!["hostPath"] = "var/lib/cryo";

        // Act / Assert
        Assert.Equal("shared", values.StringAt("storage.mode"));
        Assert.Empty(ValuesSchema.Errors(perNode));
        Assert.NotEmpty(ValuesSchema.Errors(unknown));
        Assert.NotEmpty(ValuesSchema.Errors(relative));
    }

    [Fact]
    public void Agent_Should_FailTheRender_When_StorageModeIsUnknown()
    {
        // Act: no branch of the condition is taken but the last, which fails the release.
        var text = Select(File.ReadAllText(Path.Combine(Templates, "agent-daemonset.yaml")), "nfs");

        // Assert
        Assert.Contains("{{- fail (printf \"storage.mode must be shared or perNode", text, StringComparison.Ordinal);
    }

    // The DaemonSet's checkpoints volume: its entry of the pod's volumes, rendered on its own (the rest of the DaemonSet's
    // skeleton holds values a real render would fill in, which are not YAML by themselves).
    private static JsonObject CheckpointsVolume(string mode)
    {
        var text = Select(File.ReadAllText(Path.Combine(Templates, "agent-daemonset.yaml")), mode);
        var start = text.IndexOf("\n      volumes:\n", StringComparison.Ordinal);
        var end = text.IndexOf("        - name: tls\n", start, StringComparison.Ordinal);
        var volumes = YamlDocuments.Parse(HelmTemplateScanner.Skeleton(text[start..end], Placeholder), "templates/agent-daemonset.yaml volumes");
        return Assert.Single(Assert.Single(volumes).ObjectsAt("volumes"), v => v.StringAt("name") == "checkpoints");
    }

    private static IReadOnlyList<JsonNode> Render(string template, string mode) =>
        YamlDocuments.Parse(HelmTemplateScanner.Skeleton(Select(File.ReadAllText(Path.Combine(Templates, template)), mode), Placeholder), $"templates/{template}");

    // Keeps, of each if/else-if/else chain whose first condition reads storage.mode, the branch that mode takes (a
    // condition that also reads another value is taken as true there: the defaults'); other blocks stay for the skeleton.
    private static string Select(string template, string mode)
    {
        var output = new List<string>();
        var stack = new Stack<(bool Chain, bool Keeping, bool Taken)>();
        foreach (var line in template.Split('\n'))
        {
            var action = Action().Match(line);
            var word = action.Success ? action.Groups["word"].Value : null;
            var keeping = stack.All(s => s.Keeping);
            if (word == "if" && line.Contains(".Values.storage.mode", StringComparison.Ordinal))
            {
                var holds = Holds(line, mode);
                stack.Push((true, holds, holds));
                continue;
            }

            if (word is "if" or "range" or "with" or "define")
            {
                stack.Push((false, true, false));
            }
            else if (word == "else" && stack.Count > 0 && stack.Peek().Chain)
            {
                var (_, _, taken) = stack.Pop();
                var holds = !taken && (!line.Contains("else if", StringComparison.Ordinal) || Holds(line, mode));
                stack.Push((true, holds, taken || holds));
                continue;
            }
            else if (word == "end" && stack.Count > 0)
            {
                if (stack.Pop().Chain)
                {
                    continue;
                }
            }

            if (keeping)
            {
                output.Add(line);
            }
        }

        return string.Join('\n', output);
    }

    private static bool Holds(string line, string mode) =>
        ModeTest().Matches(line).All(m => m.Groups["mode"].Value == mode);

    [GeneratedRegex(@"^\s*\{\{-?\s*(?<word>if|else|end|range|with|define)\b")]
    private static partial Regex Action();

    [GeneratedRegex(@"eq \.Values\.storage\.mode ""(?<mode>[^""]+)""")]
    private static partial Regex ModeTest();
}
