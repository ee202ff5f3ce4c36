using Orch.Cli.Cli;

namespace Orch.Cli.Tests;

/// <summary>What FlagSet owns for every command: -h/--help and the positional-argument count, in docker/cli's words.</summary>
public sealed class FlagSetTests
{
    private static FlagSet Set(string usage = "[OPTIONS] CONTAINER [CONTAINER...]") =>
        new("stop", usage, "Stop one or more running containers");

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Parse_Help_ThrowsUsageBlockBeforeCountingArguments(string flag)
    {
        var flags = Set();
        flags.String("t", "time", "Seconds to wait before killing the container", "int");
        var e = Assert.Throws<HelpRequestedException>(() => flags.Parse([flag], atLeast: 1));
        Assert.Equal(
            "Usage:  orch stop [OPTIONS] CONTAINER [CONTAINER...]\n\nStop one or more running containers\n\nOptions:\n" +
            "  -t, --time int                 Seconds to wait before killing the container\n" +
            "  -h, --help                     Print usage",
            e.Message);
    }

    [Fact]
    public void Parse_CommandUsesShortH_HelpIsLongOnly()
    {
        var flags = Set();
        flags.String("h", "hostname", "Container host name");
        flags.Parse(["-h", "box", "c1"]);
        Assert.Equal(["c1"], flags.Positionals);
        Assert.Contains("      --help", flags.UsageBlock(), StringComparison.Ordinal);
        Assert.Throws<HelpRequestedException>(() => flags.Parse(["--help"]));
    }

    [Fact]
    public void Parse_HelpAfterImage_BelongsToTheContainerCommand()
    {
        var flags = new FlagSet("run") { StopAtFirstPositional = true };
        flags.Parse(["busybox", "ls", "--help"], atLeast: 1);
        Assert.Equal(["busybox", "ls", "--help"], flags.Positionals);
    }

    [Fact]
    public void Parse_UnknownFlagBesideHelp_IsStillAnError()
    {
        var e = Assert.Throws<UsageException>(() => Set().Parse(["--help", "--bogus"]));
        Assert.Equal("unknown flag: --bogus", e.Message);
    }

    [Theory]
    [InlineData(new string[0], 1, null, null, "\"orch stop\" requires exactly 1 argument.")]
    [InlineData(new[] { "a", "b" }, 1, null, null, "\"orch stop\" requires exactly 1 argument.")]
    [InlineData(new[] { "a" }, 2, null, null, "\"orch stop\" requires exactly 2 arguments.")]
    [InlineData(new string[0], null, 1, null, "\"orch stop\" requires at least 1 argument.")]
    [InlineData(new[] { "a" }, null, 2, null, "\"orch stop\" requires at least 2 arguments.")]
    [InlineData(new[] { "a", "b" }, null, null, 1, "\"orch stop\" requires at most 1 argument.")]
    [InlineData(new[] { "a" }, null, null, 0, "\"orch stop\" accepts no arguments.")]
    [InlineData(new[] { "a", "b", "c" }, null, 1, 2, "\"orch stop\" requires at least 1 and at most 2 arguments.")]
    public void Parse_WrongCount_DockerWordsAndUsage(string[] args, int? exactly, int? atLeast, int? atMost, string message)
    {
        var e = Assert.Throws<UsageException>(() => Set().Parse(args, exactly, atLeast, atMost));
        Assert.Equal(message, e.Message);
        Assert.Equal("stop", e.CommandName);
        Assert.Equal("Usage:  orch stop [OPTIONS] CONTAINER [CONTAINER...]\n\nStop one or more running containers", e.Usage);
    }

    [Theory]
    [InlineData(new[] { "a" }, 1, null, null)]
    [InlineData(new[] { "a", "b", "c" }, null, 1, null)]
    [InlineData(new string[0], null, null, 1)]
    [InlineData(new[] { "a", "b" }, null, 1, 2)]
    [InlineData(new[] { "a", "b" }, null, null, null)]
    public void Parse_RightCount_Positionals(string[] args, int? exactly, int? atLeast, int? atMost)
    {
        var flags = Set();
        flags.Parse(args, exactly, atLeast, atMost);
        Assert.Equal(args, flags.Positionals);
    }

    /// <summary>Every command answers --help with its own usage line, before it needs any argument or the daemon.</summary>
    [Fact]
    public async Task EveryCommand_Help_PrintsItsUsageWithoutTheDaemon()
    {
        using var ctx = new CliContext("/nonexistent/orchd.sock");
        foreach (var (command, _) in CommandTable.All)
        {
            var e = await Assert.ThrowsAsync<HelpRequestedException>(() => command.RunAsync(ctx, ["--help"], CancellationToken.None));
            Assert.StartsWith($"Usage:  orch {command.Name} {command.Usage}\n\n{command.Summary}\n\nOptions:\n", e.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>Invoked by an alias, the usage and errors name the command as typed (docker/cli's CommandPath).</summary>
    [Fact]
    public async Task Alias_WrongCount_NamesTheCommandAsTyped()
    {
        using var ctx = new CliContext("/nonexistent/orchd.sock") { CommandPath = "rmi" };
        var (rmi, _) = CommandTable.Find(["rmi"]);
        var e = await Assert.ThrowsAsync<UsageException>(() => rmi!.RunAsync(ctx, [], CancellationToken.None));
        Assert.Equal("\"orch rmi\" requires at least 1 argument.", e.Message);
        Assert.Equal("rmi", e.CommandName);
    }
}
