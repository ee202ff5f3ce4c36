using System.Text;
using Orch.Engine.Runtime;

namespace Orch.Engine.Tests.Runtime;

/// <summary>Pure logic of the runtime: user resolution, spec encoding, signals, log lines, durations.</summary>
public sealed class RuntimeUnitTests
{
    private const string Passwd = "root:x:0:0:root:/root:/bin/sh\n# comment\nalice:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:100::/:/bin/sh\n";
    private const string Group = "root:x:0:\nusers:x:100:\nalice:x:1000:\nstaff:x:50:alice,bob\nwheel:x:10:bob\n";

    [Theory]
    [InlineData("", 0u, 0u, new uint[0])]
    [InlineData("alice", 1000u, 1000u, new uint[] { 50 })]
    [InlineData("bob", 1001u, 100u, new uint[] { 50, 10 })]
    [InlineData("1000", 1000u, 1000u, new uint[] { 50 })]
    [InlineData("4242", 4242u, 0u, new uint[0])]
    [InlineData("alice:staff", 1000u, 50u, new uint[0])]
    [InlineData("bob:7", 1001u, 7u, new uint[0])]
    public void Resolve_NamesAndIds_FromTheImagesFiles(string spec, uint uid, uint gid, uint[] groups)
    {
        var u = UserResolver.Resolve(spec, Passwd, Group);
        Assert.Equal(uid, u.Uid);
        Assert.Equal(gid, u.Gid);
        Assert.Equal(groups, u.Groups);
    }

    [Theory]
    [InlineData("carol", "unable to find user carol")]
    [InlineData("alice:nogroup", "unable to find group nogroup")]
    public void Resolve_Unknown_FailsNamingIt(string spec, string message)
    {
        var e = Assert.Throws<RuntimeException>(() => UserResolver.Resolve(spec, Passwd, Group));
        Assert.StartsWith(message, e.Message);
        Assert.Equal(RuntimeError.InvalidArgument, e.Kind);
    }

    [Fact]
    public void LaunchSpec_EncodesKeyCountArgs_NulSeparated()
    {
        var bytes = new LaunchSpec().Add("hostname", "box").Add("tty").Add("args", "sh", "-c", "").ToBytes();
        Assert.Equal("hostname\01\0box\0tty\00\0args\03\0sh\0-c\0\0", Encoding.UTF8.GetString(bytes));
        Assert.Throws<RuntimeException>(() => new LaunchSpec().Add("args", "a\0b").ToBytes());
    }

    [Theory]
    [InlineData("TERM", 15)]
    [InlineData("SIGKILL", 9)]
    [InlineData("sigusr1", 10)]
    [InlineData("2", 2)]
    public void Signals_ParseDockerSpellings(string name, int number) => Assert.Equal(number, Signals.Parse(name));

    [Fact]
    public void Signals_Unknown_Fails() => Assert.Throws<RuntimeException>(() => Signals.Parse("SIGNOPE"));

    [Fact]
    public void LogLine_ParsesTheJsonFileFormat()
    {
        var e = LogReader.Parse("{\"log\":\"a \\\"b\\\"\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-22T20:24:38.123456700Z\"}");
        Assert.NotNull(e);
        Assert.Equal(2, e.Value.Stream);
        Assert.Equal("a \"b\"\n", Encoding.UTF8.GetString(e.Value.Data));
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 20, 24, 38, TimeSpan.Zero).AddTicks(1234567), e.Value.Time);
        Assert.Null(LogReader.Parse("{torn"));
    }

    [Theory]
    [InlineData(0.5, "Less than a second")]
    [InlineData(1, "1 second")]
    [InlineData(59, "59 seconds")]
    [InlineData(90, "About a minute")]
    [InlineData(600, "10 minutes")]
    [InlineData(3600, "About an hour")]
    [InlineData(7200 * 3, "6 hours")]
    [InlineData(86400 * 3, "3 days")]
    public void Ago_IsDockersHumanDuration(double seconds, string text) =>
        Assert.Equal(text, ContainerInspector.Ago(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void ProcessEnv_AddsHostnameHomeAndTerm()
    {
        var env = ContainerRuntime.ProcessEnv([ContainerRuntime.DefaultPath, "A=1"], "box", tty: true, new ProcessUser(1000, 1000, []));
        Assert.Equal([ContainerRuntime.DefaultPath, "A=1", "HOSTNAME=box", "HOME=/", "TERM=xterm"], env);
    }
}
