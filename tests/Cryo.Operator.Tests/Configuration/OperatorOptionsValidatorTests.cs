using Cryo.Operator.Configuration;

namespace Cryo.Operator.Tests.Configuration;

public sealed class OperatorOptionsValidatorTests
{
    [Fact]
    public void Validate_Should_NameTheVariable_When_RerestoreMaxAttemptsIsBelowOne()
    {
        // Arrange
        var options = new OperatorOptions { RerestoreMaxAttempts = 0, Tls = { Enabled = false }, LeaderElection = { Enabled = false } };

        // Act
        var result = new OperatorOptionsValidator().Validate(null, options);

        // Assert
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("Operator__RerestoreMaxAttempts must be at least 1, not 0"));
    }

    [Fact]
    public void Validate_Should_Accept_TheDefaultRerestoreMaxAttempts()
    {
        // Arrange
        var options = new OperatorOptions { Tls = { Enabled = false }, LeaderElection = { Enabled = false } };

        // Act
        var result = new OperatorOptionsValidator().Validate(null, options);

        // Assert
        Assert.True(result.Succeeded, string.Join("; ", result.Failures ?? []));
        Assert.Equal(10, options.RerestoreMaxAttempts);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(101)]
    public void Validate_Should_NameTheVariable_When_TheStoreAlarmIsNotAPercentage(int percent)
    {
        // Arrange
        var options = new OperatorOptions { StoreCapacityAlarmPercent = percent, Tls = { Enabled = false }, LeaderElection = { Enabled = false } };

        // Act
        var result = new OperatorOptionsValidator().Validate(null, options);

        // Assert
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains($"Operator__StoreCapacityAlarmPercent must be a percentage (0-100, 0 turns the alarm off), not {percent}"));
    }

    [Fact]
    public void Validate_Should_NameTheVariable_When_TheCsiDeliveryHasNoDriver()
    {
        // Arrange
        var options = new OperatorOptions { PlaceholderCsiDriver = "", Tls = { Enabled = false }, LeaderElection = { Enabled = false } };

        // Act
        var result = new OperatorOptionsValidator().Validate(null, options);

        // Assert: Csi is the default delivery; the image is not needed for it.
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("Operator__PlaceholderCsiDriver", StringComparison.Ordinal));
        options.PlaceholderDelivery = Cryo.Operator.Restores.PlaceholderDelivery.InitContainer;
        options.PlaceholderImage = "";
        Assert.Contains(new OperatorOptionsValidator().Validate(null, options).Failures!, f => f.Contains("Operator__PlaceholderImage", StringComparison.Ordinal));
    }
}
