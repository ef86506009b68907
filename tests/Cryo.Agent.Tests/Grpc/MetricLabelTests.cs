using Cryo.Agent.Metrics;
using Grpc.Core;

namespace Cryo.Agent.Tests.Grpc;

public sealed class MetricLabelTests
{
    /// <summary>gRPC's canonical code names, lowercase: how the operator spells its <c>code</c> labels too.</summary>
    public static TheoryData<StatusCode, string> Codes => new()
    {
        { StatusCode.OK, "ok" },
        { StatusCode.Cancelled, "cancelled" },
        { StatusCode.Unknown, "unknown" },
        { StatusCode.InvalidArgument, "invalid_argument" },
        { StatusCode.DeadlineExceeded, "deadline_exceeded" },
        { StatusCode.NotFound, "not_found" },
        { StatusCode.AlreadyExists, "already_exists" },
        { StatusCode.PermissionDenied, "permission_denied" },
        { StatusCode.Unauthenticated, "unauthenticated" },
        { StatusCode.ResourceExhausted, "resource_exhausted" },
        { StatusCode.FailedPrecondition, "failed_precondition" },
        { StatusCode.Aborted, "aborted" },
        { StatusCode.OutOfRange, "out_of_range" },
        { StatusCode.Unimplemented, "unimplemented" },
        { StatusCode.Internal, "internal" },
        { StatusCode.Unavailable, "unavailable" },
        { StatusCode.DataLoss, "data_loss" },
    };

    [Theory]
    [MemberData(nameof(Codes))]
    public void ResultLabel_Should_BeTheCanonicalCodeNameInSnakeCase_When_AnOperationEnds(StatusCode code, string label)
    {
        Assert.Equal(label, AgentMetrics.ResultLabel(code));
    }

    [Fact]
    public void ResultLabel_Should_CoverEveryStatusCode_When_GrpcAddsNone()
    {
        Assert.Equal(Enum.GetValues<StatusCode>().Length, Codes.Count);
    }
}
