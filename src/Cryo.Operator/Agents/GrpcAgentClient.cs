using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Cryo.Contracts.Agent.V1;
using Cryo.Operator.Configuration;
using Cryo.Operator.Metrics;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using StatusCode = Grpc.Core.StatusCode;

namespace Cryo.Operator.Agents;

/// <summary>
/// The agent client over gRPC: one channel per agent address, mutual TLS (the operator's client
/// certificate; the agent's certificate must chain to the configured CA and carry the agent server name),
/// a deadline on every call, and gRPC failures mapped to typed exceptions by status code.
/// </summary>
public sealed class GrpcAgentClient : IAgentClient, IDisposable
{
    private readonly ConcurrentDictionary<Uri, GrpcChannel> channels = new();
    private readonly AgentTlsOptions tls;
    private readonly OperatorMetrics metrics;
    private readonly Lazy<X509Certificate2?> clientCertificate;
    private readonly Lazy<X509Certificate2?> trustedCa;

    /// <summary>Creates the client; certificates are read on first use.</summary>
    public GrpcAgentClient(IOptions<OperatorOptions> options, OperatorMetrics metrics)
    {
        tls = options.Value.Tls;
        this.metrics = metrics;
        clientCertificate = new Lazy<X509Certificate2?>(() => tls.Enabled ? X509Certificate2.CreateFromPemFile(tls.CertFile, tls.KeyFile) : null);
        trustedCa = new Lazy<X509Certificate2?>(() => tls.Enabled ? X509CertificateLoader.LoadCertificateFromFile(tls.CaFile) : null);
    }

    /// <inheritdoc/>
    public Task<CheckpointResult> CheckpointAsync(AgentEndpoint agent, CheckpointRequest request, TimeSpan timeout, CancellationToken cancellationToken) =>
        CallAsync(agent, "Checkpoint", async client =>
        {
            using var call = client.Checkpoint(request, deadline: Deadline(timeout), cancellationToken: cancellationToken);
            await foreach (var ev in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                if (ev.Result is not null)
                {
                    return ev.Result;
                }
            }

            throw new AgentOperationFailedException(agent, "Checkpoint", StatusCode.Internal, ErrorReason.Unspecified, "the stream ended without a result", null);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<RestoreResponse> RestoreAsync(AgentEndpoint agent, RestoreRequest request, TimeSpan timeout, CancellationToken cancellationToken) =>
        CallAsync(agent, "Restore", async client =>
            await client.RestoreAsync(request, deadline: Deadline(timeout), cancellationToken: cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public Task<PullCheckpointResult> PullCheckpointAsync(
        AgentEndpoint agent, PullCheckpointRequest request, IProgress<TransferProgress> progress, TimeSpan timeout, CancellationToken cancellationToken) =>
        CallAsync(agent, "PullCheckpoint", async client =>
        {
            using var call = client.PullCheckpoint(request, deadline: Deadline(timeout), cancellationToken: cancellationToken);
            await foreach (var ev in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                if (ev.Result is not null)
                {
                    return ev.Result;
                }

                progress.Report(ev.Progress);
            }

            throw new AgentOperationFailedException(agent, "PullCheckpoint", StatusCode.Internal, ErrorReason.Unspecified, "the stream ended without a result", null);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<CheckpointDetails> InspectCheckpointAsync(AgentEndpoint agent, InspectCheckpointRequest request, TimeSpan timeout, CancellationToken cancellationToken) =>
        CallAsync(agent, "InspectCheckpoint", async client =>
            await client.InspectCheckpointAsync(request, deadline: Deadline(timeout), cancellationToken: cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public Task<DeleteCheckpointResponse> DeleteCheckpointAsync(AgentEndpoint agent, DeleteCheckpointRequest request, TimeSpan timeout, CancellationToken cancellationToken) =>
        CallAsync(agent, "DeleteCheckpoint", async client =>
            await client.DeleteCheckpointAsync(request, deadline: Deadline(timeout), cancellationToken: cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public Task<NodeInfo> GetNodeInfoAsync(AgentEndpoint agent, TimeSpan timeout, CancellationToken cancellationToken) =>
        CallAsync(agent, "GetNodeInfo", async client =>
            await client.GetNodeInfoAsync(new GetNodeInfoRequest(), deadline: Deadline(timeout), cancellationToken: cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public Task<PreflightResponse> PreflightAsync(AgentEndpoint agent, PreflightRequest request, TimeSpan timeout, CancellationToken cancellationToken) =>
        CallAsync(agent, "Preflight", async client =>
            await client.PreflightAsync(request, deadline: Deadline(timeout), cancellationToken: cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var channel in channels.Values)
        {
            channel.Dispose();
        }

        channels.Clear();
    }

    private static DateTime Deadline(TimeSpan timeout) => DateTime.UtcNow + timeout;

    private async Task<T> CallAsync<T>(AgentEndpoint agent, string method, Func<AgentService.AgentServiceClient, Task<T>> call, CancellationToken cancellationToken)
    {
        var client = new AgentService.AgentServiceClient(channels.GetOrAdd(agent.Address, CreateChannel));
        try
        {
            var result = await call(client);
            metrics.AgentCallFinished(method, StatusCode.OK);
            return result;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            metrics.AgentCallFinished(method, e.StatusCode);
            throw new OperationCanceledException($"{method} on node {agent.NodeName} cancelled", e, cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.Aborted || e.Status.DebugException is HttpRequestException)
        {
            // A call that never reached the agent (refused connection, failed TLS handshake) is worth retrying.
            metrics.AgentCallFinished(method, StatusCode.Unavailable);
            throw new AgentUnavailableException(agent, method, e);
        }
        catch (RpcException e)
        {
            metrics.AgentCallFinished(method, e.StatusCode);
            var info = e.GetRpcStatus()?.GetDetail<ErrorInfo>();
            var log = info?.Metadata.TryGetValue("log", out var l) == true ? l : null;
            throw new AgentOperationFailedException(agent, method, e.StatusCode, AgentErrorReasons.Parse(info?.Reason), e.Status.Detail, log);
        }
        catch (HttpRequestException e)
        {
            metrics.AgentCallFinished(method, StatusCode.Unavailable);
            throw new AgentUnavailableException(agent, method, e);
        }
    }

    private GrpcChannel CreateChannel(Uri address)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        };
        if (tls.Enabled)
        {
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                // SNI only: SocketsHttpHandler checks names against the URL's host (a pod IP); see ValidateAgentCertificate.
                TargetHost = tls.AgentServerName,
                ClientCertificates = [clientCertificate.Value!],
                RemoteCertificateValidationCallback = ValidateAgentCertificate,
            };
        }

        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    /// <summary>
    /// Agents are trusted when their certificate chains to Cryo's CA (not the system roots) and carries the
    /// agent server name. The platform's name check cannot be used: SocketsHttpHandler checks the host of the
    /// URL, and agents are dialled by pod IP, so the name is checked here instead.
    /// </summary>
    private bool ValidateAgentCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return false;
        }

        var presented = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (!presented.MatchesHostname(tls.AgentServerName, allowWildcards: false, allowCommonName: false))
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(trustedCa.Value!);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return custom.Build(presented);
    }
}
