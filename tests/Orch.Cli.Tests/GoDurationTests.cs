using Google.Protobuf.WellKnownTypes;
using Orch.Cli.Cli;
using Orch.Cli.Commands.Swarm;

namespace Orch.Cli.Tests;

public sealed class GoDurationTests
{
    [Theory]
    [InlineData("5s", 5_000_000_000L)]
    [InlineData("1m30s", 90_000_000_000L)]
    [InlineData("2160h", 7_776_000_000_000_000L)]
    [InlineData("1.5h", 5_400_000_000_000L)]
    [InlineData("250ms", 250_000_000L)]
    [InlineData("0", 0L)]
    public void Parse_GoSyntax_Nanoseconds(string text, long nanos) =>
        Assert.Equal(nanos, GoDuration.Nanos(GoDuration.Parse(text, "dispatcher-heartbeat", "swarm update")));

    [Theory]
    [InlineData("5")]
    [InlineData("5d")]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("-5s")]
    public void Parse_NotADuration_UsageErrorInGoWords(string text)
    {
        var e = Assert.Throws<UsageException>(() => GoDuration.Parse(text, "cert-expiry", "swarm update"));
        Assert.Equal($"invalid argument \"{text}\" for \"--cert-expiry\" flag: time: invalid duration \"{text}\"", e.Message);
    }

    [Theory]
    [InlineData(5, 0, "5s")]
    [InlineData(90, 0, "1m30s")]
    [InlineData(7_776_000, 0, "2160h0m0s")]
    [InlineData(0, 500_000_000, "500ms")]
    [InlineData(1, 500_000_000, "1.5s")]
    [InlineData(0, 0, "0s")]
    public void Format_AsGoPrintsIt(long seconds, int nanos, string text) =>
        Assert.Equal(text, GoDuration.Format(new Duration { Seconds = seconds, Nanos = nanos }));
}
