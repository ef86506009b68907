namespace Cryo.Testing.Node;

/// <summary>The runtime part of an OCI image configuration (what <c>docker inspect</c> shows under Config).</summary>
public sealed record OciImageConfig
{
    /// <summary>The image's ENTRYPOINT (a pod's <c>command</c> replaces it).</summary>
    public IReadOnlyList<string>? Entrypoint { get; init; }

    /// <summary>The image's CMD (a pod's <c>args</c> replace it).</summary>
    public IReadOnlyList<string>? Cmd { get; init; }

    /// <summary>Environment as <c>NAME=value</c>.</summary>
    public IReadOnlyList<string> Env { get; init; } = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"];

    /// <summary>The working directory; empty means <c>/</c>.</summary>
    public string WorkingDir { get; init; } = "";

    /// <summary>The user (<c>uid</c>, <c>uid:gid</c> or a name); empty means root.</summary>
    public string User { get; init; } = "";
}
