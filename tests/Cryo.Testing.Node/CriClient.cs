using Grpc.Core;
using Grpc.Net.Client;

namespace Cryo.Testing.Node;

/// <summary>
/// containerd's CRI (<c>runtime.v1.RuntimeService</c> and <c>ImageService</c>) on its Unix socket, as the kubelet
/// calls it: every call has a deadline, and a failure says which call failed for what, with containerd's answer.
/// </summary>
public sealed class CriClient : IDisposable
{
    /// <summary>How long a call may take unless the caller says otherwise.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly GrpcChannel _channel;
    private readonly Func<string> _diagnostics;

    /// <summary>Opens a channel to the CRI socket; <paramref name="diagnostics"/> adds context (containerd's log) to failures.</summary>
    public CriClient(string socketPath, Func<string>? diagnostics = null)
    {
        _channel = Cryo.Contracts.UnixSocketChannel.Create(socketPath);
        _diagnostics = diagnostics ?? (() => "");
        Runtime = new RuntimeService.RuntimeServiceClient(_channel);
        Images = new ImageService.ImageServiceClient(_channel);
    }

    /// <summary>The raw runtime client, for calls this class does not wrap (pass a deadline).</summary>
    public RuntimeService.RuntimeServiceClient Runtime { get; }

    /// <summary>The raw image client.</summary>
    public ImageService.ImageServiceClient Images { get; }

    /// <summary>
    /// Makes one call with a deadline; <paramref name="what"/> names it in the error (e.g. <c>CreateContainer app of ns/pod</c>).
    /// </summary>
    /// <exception cref="CriException">containerd refused the call or did not answer in time.</exception>
    public async Task<TResponse> CallAsync<TResponse>(string what, Func<CallOptions, AsyncUnaryCall<TResponse>> call,
        CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        var limit = timeout ?? DefaultTimeout;
        try
        {
            return await call(new CallOptions(deadline: DateTime.UtcNow + limit, cancellationToken: cancellationToken));
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled || !cancellationToken.IsCancellationRequested)
        {
            var answer = e.StatusCode == StatusCode.DeadlineExceeded
                ? $"no answer within {limit.TotalSeconds:0.#} s"
                : $"{e.StatusCode}: {e.Status.Detail}";
            var context = _diagnostics();
            throw new CriException($"CRI {what} failed: {answer}{(context.Length > 0 ? "\n" + context : "")}", e.StatusCode, e);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _channel.Dispose();
}
