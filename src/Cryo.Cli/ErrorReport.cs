using System.Net.Sockets;
using System.Text.Json;
using Cryo.CommandLine;
using Google.Rpc;
using Grpc.Core;

namespace Cryo.Cli;

/// <summary>Turns failures into a message that says what to do, an exit code, and (in JSON mode) an object.</summary>
public static class ErrorReport
{
    /// <summary>Reports <paramref name="exception"/> and returns the exit code.</summary>
    public static int Write(Exception exception, string socketPath, OutputFormat format, TextWriter output, TextWriter error)
    {
        var (code, kind, message, reason) = Describe(exception, socketPath);
        error.WriteLine($"cryo: {message}");
        if (format == OutputFormat.Json)
        {
            output.WriteLine(JsonSerializer.Serialize(new ErrorDocument(new ErrorBody(kind, reason, message)), CliJsonContext.Default.ErrorDocument));
        }

        return code;
    }

    private static (int Code, string Kind, string Message, string? Reason) Describe(Exception exception, string socketPath) => exception switch
    {
        UsageException usage => (ExitCodes.Usage, "usage", $"{usage.Message}\n{CryoCli.UsageText}", null),
        RpcException rpc when Unreachable(rpc, socketPath) is { } why => (ExitCodes.AgentUnreachable, "unreachable", why, null),
        RpcException rpc => (ExitCodes.Failed, ToSnake(rpc.StatusCode), rpc.Status.Detail + Hint(rpc), Reason(rpc)),
        OperationCanceledException => (ExitCodes.Interrupted, "interrupted", "interrupted", null),
        _ => (ExitCodes.Failed, "error", exception.Message, null),
    };

    private static string? Unreachable(RpcException rpc, string socketPath)
    {
        if (rpc.StatusCode != StatusCode.Unavailable)
        {
            return null;
        }

        var start = $"start it with: sudo dotnet run --project src/Cryo.Agent -- --store DIR --socket {socketPath} " +
                    $"(or point --socket or {AgentConnection.SocketEnvironmentVariable} at the agent's socket)";
        if (!File.Exists(socketPath))
        {
            return $"no agent is listening at {socketPath}: the socket does not exist; {start}";
        }

        var socketError = Causes(rpc).OfType<SocketException>().FirstOrDefault()?.SocketErrorCode;
        return socketError switch
        {
            SocketError.ConnectionRefused => $"no agent is listening at {socketPath} (a stale socket); {start}",
            SocketError.AccessDenied => $"permission denied on {socketPath}: the agent's socket is for root only; run cryo with sudo",
            _ => null,
        };
    }

    private static IEnumerable<Exception> Causes(Exception exception)
    {
        for (var cause = exception.InnerException; cause is not null; cause = cause.InnerException)
        {
            yield return cause;
        }
    }

    private static string Hint(RpcException rpc) => rpc.StatusCode switch
    {
        StatusCode.NotFound => " ('cryo ls' lists the checkpoints)",
        StatusCode.AlreadyExists => " (remove it with 'cryo rm NAME' or choose another --name)",
        StatusCode.DeadlineExceeded => " (give more time with --timeout SECONDS)",
        StatusCode.PermissionDenied => " (the agent's socket is for root only: run cryo with sudo)",
        StatusCode.Unavailable => " (transient: try the same command again)",
        _ => string.Empty,
    };

    private static string? Reason(RpcException rpc)
    {
        var status = rpc.GetRpcStatus();
        return status?.GetDetail<ErrorInfo>()?.Reason;
    }

    private static string ToSnake(StatusCode code) =>
        string.Concat(code.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
