using Cryo.Contracts.Agent.V1;
using Google.Protobuf.Reflection;

namespace Cryo.Operator.Agents;

/// <summary>
/// The agent names why it failed in <c>google.rpc.ErrorInfo.reason</c>: a value name of the proto enum
/// <see cref="ErrorReason"/> (e.g. <c>FEATURE_UNAVAILABLE</c>). The agent client turns that text into the generated
/// enum once, where the answer arrives, so the rest of the operator branches on values and never on text.
/// </summary>
public static class AgentErrorReasons
{
    private static readonly EnumDescriptor Descriptor = AgentReflection.Descriptor.EnumTypes.Single(e => e.ClrType == typeof(ErrorReason));

    /// <summary>The reason named <paramref name="name"/> on the wire; <see cref="ErrorReason.Unspecified"/> when absent or unknown to this operator.</summary>
    public static ErrorReason Parse(string? name) =>
        name is not null && Descriptor.FindValueByName(name) is { } value ? (ErrorReason)value.Number : ErrorReason.Unspecified;

    /// <summary>The name <paramref name="reason"/> has on the wire (and in the proto file), for messages.</summary>
    public static string NameOf(ErrorReason reason) => Descriptor.FindValueByNumber((int)reason)?.Name ?? reason.ToString();
}
