using System.Globalization;
using Cryo.Operator.Schedules;

namespace Cryo.Operator.Tests.Schedules;

/// <summary>The cron parser and its next and latest times, checked against times worked out by hand.</summary>
public sealed class CronExpressionTests
{
    [Theory]
    [InlineData("*/15 * * * *", "2025-06-01 12:07", "2025-06-01 12:15")]
    [InlineData("0 * * * *", "2025-06-01 12:00", "2025-06-01 13:00")]
    [InlineData("30 2 * * *", "2025-06-01 12:00", "2025-06-02 02:30")]
    [InlineData("0 0 1 * *", "2025-06-15 00:00", "2025-07-01 00:00")]
    [InlineData("0 0 31 * *", "2025-06-01 00:00", "2025-07-31 00:00")]
    [InlineData("0 0 29 2 *", "2025-03-01 00:00", "2028-02-29 00:00")]
    [InlineData("5,10-12 8 * * *", "2025-06-01 08:05", "2025-06-01 08:10")]
    [InlineData("5,10-12 8 * * *", "2025-06-01 08:12", "2025-06-02 08:05")]
    [InlineData("0-30/10 9 * * *", "2025-06-01 09:20", "2025-06-01 09:30")]
    [InlineData("20/20 * * * *", "2025-06-01 09:41", "2025-06-01 10:20")]
    [InlineData("0 9 * * MON-FRI", "2025-06-06 09:00", "2025-06-09 09:00")] // Friday to Monday
    [InlineData("0 9 * * 7", "2025-06-01 09:00", "2025-06-08 09:00")] // 7 is Sunday (1 June 2025 is a Sunday)
    [InlineData("0 9 * JUN,dec sun", "2025-06-29 09:00", "2025-12-07 09:00")]
    [InlineData("0 0 13 * FRI", "2025-06-01 00:00", "2025-06-06 00:00")] // both days restricted: either matches
    [InlineData("0 0 */2 * FRI", "2025-06-01 00:00", "2025-06-03 00:00")] // */2 restricts: either matches
    [InlineData("0 0 * * ?", "2025-06-01 00:00", "2025-06-02 00:00")]
    [InlineData("@hourly", "2025-06-01 12:59", "2025-06-01 13:00")]
    [InlineData("@daily", "2025-06-01 12:00", "2025-06-02 00:00")]
    [InlineData("@midnight", "2025-06-01 12:00", "2025-06-02 00:00")]
    [InlineData("@weekly", "2025-06-01 12:00", "2025-06-08 00:00")]
    [InlineData("@monthly", "2025-06-01 12:00", "2025-07-01 00:00")]
    [InlineData("@yearly", "2025-06-01 12:00", "2026-01-01 00:00")]
    [InlineData("@annually", "2025-06-01 12:00", "2026-01-01 00:00")]
    public void NextAfter_Should_FindTheFirstMatchingMinuteAfter(string expression, string after, string expected)
    {
        // Arrange
        var cron = CronExpression.Parse(expression);

        // Act
        var next = cron.NextAfter(Wall(after));

        // Assert
        Assert.Equal(Wall(expected), next);
    }

    [Theory]
    [InlineData("*/15 * * * *", "2025-06-01 12:07", "2025-06-01 12:00")]
    [InlineData("*/15 * * * *", "2025-06-01 12:15", "2025-06-01 12:15")]
    [InlineData("0 * * * *", "2025-06-01 12:59", "2025-06-01 12:00")]
    [InlineData("30 2 * * *", "2025-06-01 02:29", "2025-05-31 02:30")]
    [InlineData("0 0 1 * *", "2025-06-15 00:00", "2025-06-01 00:00")]
    [InlineData("0 0 31 * *", "2025-06-30 00:00", "2025-05-31 00:00")]
    [InlineData("0 9 * * MON-FRI", "2025-06-08 12:00", "2025-06-06 09:00")]
    [InlineData("0 0 29 2 *", "2025-06-01 00:00", "2024-02-29 00:00")]
    public void LatestAtOrBefore_Should_FindTheLastMatchingMinuteUpToThen(string expression, string atOrBefore, string expected)
    {
        Assert.Equal(Wall(expected), CronExpression.Parse(expression).LatestAtOrBefore(Wall(atOrBefore)));
    }

    [Fact]
    public void NextAfter_Should_BeNull_When_TheDateNeverComes()
    {
        Assert.Null(CronExpression.Parse("0 0 30 2 *").NextAfter(Wall("2025-01-01 00:00")));
        Assert.Null(CronExpression.Parse("0 0 31 4 *").LatestAtOrBefore(Wall("2025-01-01 00:00")));
    }

    [Theory]
    [InlineData("", "5 fields")]
    [InlineData("* * * *", "5 fields")]
    [InlineData("* * * * * *", "5 fields")]
    [InlineData("60 * * * *", "60 is out of range 0-59 (minute field)")]
    [InlineData("* 24 * * *", "out of range 0-23 (hour field)")]
    [InlineData("* * 0 * *", "out of range 1-31 (day-of-month field)")]
    [InlineData("* * * 13 *", "out of range 1-12 (month field)")]
    [InlineData("* * * * 8", "out of range 0-7 (day-of-week field)")]
    [InlineData("* * * FOO *", "\"FOO\" is not a number or a name (month field)")]
    [InlineData("MON * * * *", "\"MON\" is not a number (minute field)")]
    [InlineData("*/0 * * * *", "is not a positive number")]
    [InlineData("5-1 * * * *", "runs backwards")]
    [InlineData("1-2-3 * * * *", "too many dashes")]
    [InlineData("1/2/3 * * * *", "too many slashes")]
    [InlineData("1,,2 * * * *", "empty element")]
    [InlineData("@every 1h", "unknown macro")]
    [InlineData("TZ=UTC 0 * * * *", "5 fields")]
    public void Parse_Should_SayWhatIsWrong(string expression, string expected)
    {
        var e = Assert.Throws<FormatException>(() => CronExpression.Parse(expression));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CronSchedule_Should_ReadWallClockTimesInItsZone()
    {
        // Arrange: 02:30 every day in Paris (UTC+2 in June).
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var schedule = new CronSchedule(CronExpression.Parse("30 2 * * *"), paris);

        // Act
        var next = schedule.Next(Utc("2025-06-01 12:00"));
        var latest = schedule.Latest(Utc("2025-06-01 12:00"));

        // Assert
        Assert.Equal(Utc("2025-06-02 00:30"), next);
        Assert.Equal(Utc("2025-06-01 00:30"), latest);
    }

    [Fact]
    public void CronSchedule_Should_SkipATimeTheClockJumpsOver_And_RunARepeatedTimeOnce()
    {
        // Arrange: Paris went from 02:00 to 03:00 on 30 March 2025, and from 03:00 back to 02:00 on 26 October 2025.
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var schedule = new CronSchedule(CronExpression.Parse("30 2 * * *"), paris);

        // Act
        var afterGap = schedule.Next(Utc("2025-03-29 12:00"));
        var repeated = schedule.Next(Utc("2025-10-25 12:00"));
        var afterRepeated = schedule.Next(repeated!.Value);
        var latestInRepeat = schedule.Latest(Utc("2025-10-26 01:45")); // 02:45 the second time (UTC+1)

        // Assert: 30 March has no 02:30; 26 October's 02:30 runs at its first occurrence (UTC+2) only.
        Assert.Equal(Utc("2025-03-31 00:30"), afterGap);
        Assert.Equal(Utc("2025-10-26 00:30"), repeated);
        Assert.Equal(Utc("2025-10-27 01:30"), afterRepeated);
        Assert.Equal(Utc("2025-10-26 00:30"), latestInRepeat);
    }

    [Fact]
    public void IntervalSchedule_Should_RunAtWholeIntervalsFromItsAnchor()
    {
        // Arrange
        var schedule = new IntervalSchedule(Utc("2025-06-01 12:00"), TimeSpan.FromMinutes(90));

        // Assert
        Assert.Equal(Utc("2025-06-01 13:30"), schedule.Next(Utc("2025-06-01 12:00")));
        Assert.Equal(Utc("2025-06-01 15:00"), schedule.Next(Utc("2025-06-01 13:30")));
        Assert.Null(schedule.Latest(Utc("2025-06-01 13:29")));
        Assert.Equal(Utc("2025-06-01 13:30"), schedule.Latest(Utc("2025-06-01 13:30")));
        Assert.Equal(Utc("2025-06-01 16:30"), schedule.Latest(Utc("2025-06-01 17:59")));
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("1h30m", 5400)]
    [InlineData("7d", 604800)]
    [InlineData("1d1h1m1s", 90061)]
    public void DurationText_Should_ReadWholeUnits(string text, long seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), DurationText.Parse(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("1w")]
    [InlineData("1h 30m")]
    [InlineData("-1h")]
    public void DurationText_Should_Refuse_When_ItIsNoDuration(string text)
    {
        Assert.Throws<FormatException>(() => DurationText.Parse(text));
    }

    private static DateTime Wall(string text) => DateTime.ParseExact(text, "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static DateTimeOffset Utc(string text) => new(Wall(text), TimeSpan.Zero);
}
