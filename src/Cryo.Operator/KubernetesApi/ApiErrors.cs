using System.Net;
using k8s.Autorest;

namespace Cryo.Operator.KubernetesApi;

/// <summary>Classifies API server errors by status code (never by message text).</summary>
public static class ApiErrors
{
    /// <summary>The object does not exist.</summary>
    public static bool IsNotFound(Exception e) => e is HttpOperationException { Response.StatusCode: HttpStatusCode.NotFound };

    /// <summary>A stale resourceVersion or a name taken.</summary>
    public static bool IsConflict(Exception e) => e is HttpOperationException { Response.StatusCode: HttpStatusCode.Conflict };
}
