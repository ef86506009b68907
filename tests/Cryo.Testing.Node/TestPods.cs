namespace Cryo.Testing.Node;

/// <summary>Pods for node tests: unique names, the busybox image, a shell script as the container's command.</summary>
public static class TestPods
{
    /// <summary>The namespace test pods live in.</summary>
    public const string Namespace = "cryo-test";

    /// <summary>A name no other test uses: <paramref name="prefix"/> plus 8 hex digits.</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>A pod with one container <c>app</c> running <c>sh -c <paramref name="script"/></c> in <paramref name="image"/>.</summary>
    public static V1Pod Shell(string namePrefix, string script, string image = NodeImages.Busybox) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = UniqueName(namePrefix), NamespaceProperty = Namespace },
        Spec = new V1PodSpec { Containers = [ShellContainer("app", script, image)] },
    };

    /// <summary>A container running <c>sh -c <paramref name="script"/></c>.</summary>
    public static V1Container ShellContainer(string name, string script, string image = NodeImages.Busybox) =>
        new() { Name = name, Image = image, Command = ["sh", "-c", script] };
}
