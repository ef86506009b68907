using System.Net;

namespace Cryo.Kubectl;

/// <summary>The API server answered a request with an error; <see cref="Exception.Message"/> is its own message.</summary>
/// <param name="status">The HTTP status.</param>
/// <param name="reason">The Status object's reason (<c>NotFound</c>, <c>Forbidden</c>, <c>AlreadyExists</c>, …).</param>
/// <param name="message">The Status object's message, or the response's first line.</param>
public sealed class ApiException(HttpStatusCode status, string reason, string message) : Exception(message)
{
    /// <summary>The HTTP status.</summary>
    public HttpStatusCode Status { get; } = status;

    /// <summary>The Status object's reason.</summary>
    public string Reason { get; } = reason;
}
