namespace Cryo.Testing.Kubernetes;

/// <summary>A request the test API server answered, for tests that assert on who wrote what.</summary>
/// <param name="Method">HTTP method.</param>
/// <param name="Path">URL path.</param>
/// <param name="Query">Query string, with its leading '?'.</param>
/// <param name="StatusCode">The response's status code.</param>
/// <param name="Client">The X-Test-Client header, which test clients set to tell operator replicas apart.</param>
/// <param name="At">When the request arrived.</param>
public sealed record RecordedRequest(string Method, string Path, string Query, int StatusCode, string? Client, DateTime At);
