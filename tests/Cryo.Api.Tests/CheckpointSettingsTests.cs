using System.Reflection;
using System.Text.Json.Serialization;

namespace Cryo.Api.Tests;

public class CheckpointSettingsTests
{
    [Fact]
    public void CopyTo_Should_CarryEveryOption_When_AScheduleTemplateBecomesASpec()
    {
        // Arrange: every option set to a value that is not its default, so a forgotten one stays unset.
        var template = new CheckpointTemplate();
        foreach (var option in Options())
        {
            option.SetValue(template, NotDefault(option.PropertyType));
        }
        var spec = new CheckpointSpec { PodName = "web-1" };

        // Act
        template.CopyTo(spec);

        // Assert
        Assert.All(Options(), option => Assert.Equal(option.GetValue(template), option.GetValue(spec)));
        Assert.Equal("web-1", spec.PodName);
    }

    private static IEnumerable<PropertyInfo> Options() =>
        typeof(CheckpointSettings).GetProperties().Where(p => p.GetCustomAttribute<JsonPropertyNameAttribute>() is not null);

    private static object NotDefault(Type type) =>
        (Nullable.GetUnderlyingType(type) ?? type) switch
        {
            var t when t == typeof(bool) => true,
            var t when t == typeof(int) => 17,
            var t when t == typeof(string) => "not-a-default",
            var t => throw new InvalidOperationException($"give CheckpointSettings' {t.Name} options a test value"),
        };
}
