using Orch.Cli.Commands.Service;

namespace Orch.Cli.Tests.Service;

public sealed class ServiceUnitsTests
{
    [Theory]
    [InlineData("5s", 5_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("100ms", 100)]
    [InlineData("1.5h", 5_400_000)]
    [InlineData("0", 0)]
    [InlineData("2h45m", 9_900_000)]
    public void Duration_GoSyntax(string value, long millis) =>
        Assert.Equal(TimeSpan.FromMilliseconds(millis), ServiceUnits.Duration("c", "f", value));

    [Theory]
    [InlineData("512m", 512L << 20)]
    [InlineData("1g", 1L << 30)]
    [InlineData("1GB", 1L << 30)]
    [InlineData("64k", 64L << 10)]
    [InlineData("1024", 1024)]
    [InlineData("1.5g", 3L << 29)]
    public void Size_GoUnitsRamInBytes(string value, long bytes) =>
        Assert.Equal(bytes, ServiceUnits.Size("c", "f", value));

    [Theory]
    [InlineData("0.5", 500_000_000)]
    [InlineData("2", 2_000_000_000)]
    [InlineData("0.001", 1_000_000)]
    public void NanoCpus_Decimal(string value, long nanos) => Assert.Equal(nanos, ServiceUnits.NanoCpus("c", "f", value));

    [Theory]
    [InlineData(90_000, "1m30s")]
    [InlineData(5_000, "5s")]
    [InlineData(100, "100ms")]
    [InlineData(0, "0s")]
    [InlineData(3_600_000, "1h0m0s")]
    public void Format_LikeGo(long millis, string text) => Assert.Equal(text, ServiceUnits.Format(TimeSpan.FromMilliseconds(millis)));
}
