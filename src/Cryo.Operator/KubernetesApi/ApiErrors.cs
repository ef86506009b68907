using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Cryo.Operator.KubernetesApi;

/// <summary>Classifies API server errors by status code (never by message text).</summary>
public static class ApiErrors
{
    /// <summary>The object does not exist.</summary>
    public static bool IsNotFound(Exception e) => e is HttpOperationException { Response.StatusCode: HttpStatusCode.NotFound };

    /// <summary>A stale resourceVersion or a name taken.</summary>
    public static bool IsConflict(Exception e) => e is HttpOperationException { Response.StatusCode: HttpStatusCode.Conflict };

    /// <summary>The API server's own message (its Status body), for people; the code decides nothing on it.</summary>
    public static string Message(HttpOperationException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        try
        {
            return KubernetesJson.Deserialize<V1Status>(e.Response.Content)?.Message ?? e.Message;
        }
        catch (System.Text.Json.JsonException)
        {
            return $"{(int)e.Response.StatusCode} {e.Response.ReasonPhrase}";
        }
    }
}
