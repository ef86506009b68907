namespace Cryo.Operator.Tests.Metrics;

public sealed class OperatorMetricsTests
{
    [Theory]
    [InlineData(StatusCode.OK, "ok")]
    [InlineData(StatusCode.Cancelled, "cancelled")]
    [InlineData(StatusCode.Unknown, "unknown")]
    [InlineData(StatusCode.InvalidArgument, "invalid_argument")]
    [InlineData(StatusCode.DeadlineExceeded, "deadline_exceeded")]
    [InlineData(StatusCode.NotFound, "not_found")]
    [InlineData(StatusCode.AlreadyExists, "already_exists")]
    [InlineData(StatusCode.PermissionDenied, "permission_denied")]
    [InlineData(StatusCode.ResourceExhausted, "resource_exhausted")]
    [InlineData(StatusCode.FailedPrecondition, "failed_precondition")]
    [InlineData(StatusCode.Aborted, "aborted")]
    [InlineData(StatusCode.OutOfRange, "out_of_range")]
    [InlineData(StatusCode.Unimplemented, "unimplemented")]
    [InlineData(StatusCode.Internal, "internal")]
    [InlineData(StatusCode.Unavailable, "unavailable")]
    [InlineData(StatusCode.DataLoss, "data_loss")]
    [InlineData(StatusCode.Unauthenticated, "unauthenticated")]
    public void CodeLabel_Should_SpellTheCanonicalCodeNameInLowercase_AsTheAgentDoes(StatusCode code, string label)
    {
        // Act
        var spelled = OperatorMetrics.CodeLabel(code);

        // Assert
        Assert.Equal(label, spelled);
    }
}
