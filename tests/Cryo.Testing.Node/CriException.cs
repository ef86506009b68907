using Grpc.Core;

namespace Cryo.Testing.Node;

/// <summary>A CRI call to containerd failed; <see cref="StatusCode"/> is the gRPC status to branch on.</summary>
public sealed class CriException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CriException(string message, StatusCode statusCode, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
    }

    /// <summary>The gRPC status code containerd answered with (<see cref="StatusCode.DeadlineExceeded"/> when it did not answer in time).</summary>
    public StatusCode StatusCode { get; }
}
