extern alias cli;
using cli::Orch.Cli.Cli;
using cli::Orch.Cli.Commands.Container;
using cli::Orch.Cli.Commands.Service;

namespace Orch.Fuzz.Tests;

/// <summary>The CLI's -p, -v and --mount / service --publish values: a spec, or a UsageException that names the flag and the value.</summary>
public sealed class CliParserFuzzTests
{
    private static readonly Gen<string> Ports = Fuzz.Pieces(
        "80", "8080", "0", "65535", "65536", "99999", "-1", ":", ":", "/tcp", "/udp", "/sctp", "/", "127.0.0.1", "1.2.3", "::1",
        "published=", "target=", "protocol=", "mode=", "host", "ingress", ",", "=", "a", " ");

    private static readonly Gen<string> Volumes = Fuzz.Pieces(
        "/a", "/b", "name", ".", "./rel", "..", ":", ":", ":ro", ":rw", ":rx", "\0", "type=", "bind", "volume", "tmpfs",
        "source=", "src=", "target=", "dst=", "readonly", "ro=", "true", "0", "tmpfs-size=", "1m", "x", ",", "=", " ");

    [Fact]
    public void RunPublish_AnyValue_MappingOrNamedError() =>
        Fuzz.Run(Ports, s =>
        {
            var e = Fuzz.Expect<UsageException>(() => Specs.ParsePort(s, "run"));
            if (e is not null)
            {
                Assert.StartsWith($"invalid argument \"{s}\" for \"-p, --publish\" flag: ", e.Message, StringComparison.Ordinal);
            }
        }, Fuzz.Show);

    [Fact]
    public void RunVolume_AnyValue_MountOrNamedError() =>
        Fuzz.Run(Volumes, s =>
        {
            var e = Fuzz.Expect<UsageException>(() => Specs.ParseVolume(s, "run"));
            if (e is not null)
            {
                Assert.Equal($"invalid argument \"{s}\" for \"-v, --volume\" flag: invalid volume specification: '{s}'", e.Message);
            }
        }, Fuzz.Show);

    [Fact]
    public void ServiceMount_AnyValue_MountOrNamedError() =>
        Fuzz.Run(Volumes, s =>
        {
            var e = Fuzz.Expect<UsageException>(() => ServiceOptions.Mount("service create", "mount", s));
            if (e is not null)
            {
                // The value or the field of it that is wrong, then the flag: "invalid argument "X" for "--mount" flag: why".
                Assert.StartsWith("invalid argument \"", e.Message, StringComparison.Ordinal);
                Assert.Contains("\" for \"--mount\" flag: ", e.Message, StringComparison.Ordinal);
            }
        }, Fuzz.Show);

    [Fact]
    public void ServicePublish_AnyValue_PortOrNamedError() =>
        Fuzz.Run(Ports, s =>
        {
            var e = Fuzz.Expect<UsageException>(() => ServiceOptions.Port("service create", "publish", s));
            if (e is not null)
            {
                // The value or the field of it that is wrong, then the flag: "invalid argument "X" for "--publish" flag: why".
                Assert.StartsWith("invalid argument \"", e.Message, StringComparison.Ordinal);
                Assert.Contains("\" for \"--publish\" flag: ", e.Message, StringComparison.Ordinal);
            }
        }, Fuzz.Show);

    /// <summary>Found by RunVolume_AnyValue: a NUL in the host path reached Path.GetFullPath, which threw ArgumentException (a crash, not a usage error).</summary>
    [Fact]
    public void RunVolume_NulInPath_UsageError()
    {
        var e = Assert.Throws<UsageException>(() => Specs.ParseVolume("/a\0b:/c", "run"));
        Assert.Contains("invalid volume specification", e.Message, StringComparison.Ordinal);
    }
}
