namespace Cryo.Testing.Agents;

/// <summary>Errors as the agent's StatusMapper sends them, for <see cref="FakeAgentEngine.RestoreFailure"/>.</summary>
public static class AgentErrors
{
    /// <summary>A status code, a message and a cryo.io ErrorInfo carrying <paramref name="reason"/>.</summary>
    public static RpcException Of(StatusCode code, string reason, string message)
    {
        var status = new Google.Rpc.Status { Code = (int)code, Message = message };
        status.Details.Add(Google.Protobuf.WellKnownTypes.Any.Pack(new Google.Rpc.ErrorInfo { Domain = "cryo.io", Reason = reason }));
        return status.ToRpcException();
    }
}
