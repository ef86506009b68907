using YamlDotNet.Serialization;

namespace Cryo.Api.Tests;

/// <summary>A CRD file loaded as plain dictionaries, with helpers to reach the parts the tests compare.</summary>
internal sealed class CrdDocument
{
    private CrdDocument(Dictionary<object, object> root) => Root = root;

    public Dictionary<object, object> Root { get; }

    public static CrdDocument Load(string fileName)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "crds", fileName);
        var yaml = File.ReadAllText(path);
        var root = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(yaml);
        return new CrdDocument(root);
    }

    public Dictionary<object, object> Spec => Map(Root, "spec");

    public Dictionary<object, object> Names => Map(Spec, "names");

    public Dictionary<object, object> Version => (Dictionary<object, object>)((List<object>)Spec["versions"])[0];

    public Dictionary<object, object> Schema => Map(Map(Version, "schema"), "openAPIV3Schema");

    public static Dictionary<object, object> Map(Dictionary<object, object> node, string key) =>
        (Dictionary<object, object>)node[key];

    public static string? Str(Dictionary<object, object> node, string key) =>
        node.TryGetValue(key, out var value) ? value as string : null;
}
