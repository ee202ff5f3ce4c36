using Orch.Engine.Build;

namespace Orch.Fuzz.Tests;

/// <summary>Dockerfiles (only BuildException, naming file and line) and .dockerignore files (only FormatException, naming the pattern); no hang.</summary>
public sealed class DockerfileFuzzTests
{
    private static readonly Gen<string> Dockerfiles = Fuzz.Pieces(
        "FROM busybox", "FROM scratch AS build", "RUN echo hi", "run", "COPY --from=build /a /b", "COPY --chown=1:1 a b",
        "--bogus=1", "CMD [\"sh\", \"-c\"]", "[", "]", "[\"a\", 1]", "ENTRYPOINT", "ENV A=1 B=\"2 3\"", "ARG V", "$V", "${V:-x}",
        "ONBUILD RUN x", "HEALTHCHECK --interval=1s CMD true", "# escape=`", "# escape=x", "# syntax=a", "#", "\\", "`",
        "\n", "\n", "\r\n", " ", "\t", "LABEL a=b", "WORKDIR /w", "EXPOSE 80/tcp", "SHELL [\"/bin/sh\"]", "UNKNOWN x");

    private static readonly Gen<string> IgnoreFiles = Fuzz.Pieces(
        "*", "**", "**/", "?", "[", "]", "[a-z]", "[z-a]", "[]", "[^a]", "[!a]", "[\\]]", "\\", "!", "#", "/", "..", ".", "a",
        "b/c", "*.log", "\n", "\n", " ", "-", "^", "$", "(", ")", "{", "}", "|", "+");

    private static readonly Gen<string> Paths = Fuzz.Pieces("a", "b", "c.log", "/", "/", "..", ".", "x y", "*", "[", "é");

    [Fact]
    public void Parse_AnyDockerfile_InstructionsOrErrorAtFileAndLine() =>
        Fuzz.Run(Dockerfiles, text =>
        {
            var e = Fuzz.Expect<BuildException>(() => DockerfileParser.Parse(text));
            if (e is not null)
            {
                Assert.Matches(@"^Dockerfile:\d+: \S", e.Message);
            }
        }, Fuzz.Show);

    [Fact]
    public void DockerIgnore_AnyPatterns_ErrorNamesThePatternOrEveryPathAnswers() =>
        Fuzz.Run(Gen.Select(IgnoreFiles, Paths.Array[0, 6]), x =>
        {
            var (text, paths) = x;
            DockerIgnore? ignore = null;
            var e = Fuzz.Expect<FormatException>(() => ignore = new DockerIgnore(text));
            if (e is not null)
            {
                Assert.StartsWith("invalid .dockerignore pattern \"", e.Message, StringComparison.Ordinal);
                Assert.EndsWith("\": syntax error in pattern", e.Message, StringComparison.Ordinal);
                return;
            }
            foreach (var p in paths)
            {
                _ = ignore!.Excludes(p);
            }
        }, x => Fuzz.Show(x.Item1) + " on " + string.Join(", ", x.Item2.Select(Fuzz.Show)));

    /// <summary>Found by DockerIgnore_AnyPatterns: a class went into the regex raw, so these threw ArgumentException (RegexParseException).</summary>
    [Theory]
    [InlineData("[]")]
    [InlineData("[z-a]")]
    [InlineData("a[")]
    [InlineData("[a-]")]
    [InlineData("[\\")]
    public void DockerIgnore_MalformedClass_SyntaxError(string pattern)
    {
        var e = Assert.Throws<FormatException>(() => new DockerIgnore(pattern));
        Assert.Equal($"invalid .dockerignore pattern \"{pattern}\": syntax error in pattern", e.Message);
    }

    [Theory]
    [InlineData("[a-c]x", "bx", true)]
    [InlineData("[!a]x", "bx", true)]
    [InlineData("[^a]x", "ax", false)]
    [InlineData("[\\]]x", "]x", true)]
    [InlineData("[\\^]x", "^x", true)]
    public void DockerIgnore_Class_MatchesAsGo(string pattern, string path, bool excluded) =>
        Assert.Equal(excluded, new DockerIgnore(pattern).Excludes(path));

    [Fact]
    public void Clean_AnyPath_IsIdempotentAndRelative() =>
        Fuzz.Run(Paths, p =>
        {
            var once = DockerIgnore.Clean(p);
            Assert.Equal(once, DockerIgnore.Clean(once));
            Assert.False(once.StartsWith('/'));
            Assert.DoesNotContain("..", once.Split('/'));
        }, Fuzz.Show);

    /// <summary>A pattern without metacharacters excludes exactly that path and what is below it.</summary>
    [Fact]
    public void DockerIgnore_LiteralPattern_ExcludesItselfAndChildren() =>
        Fuzz.Run(Gen.Char["abcxyz0_.-"].Array[1, 8].Select(c => new string(c)).Where(s => DockerIgnore.Clean(s) == s && s != "."), name =>
        {
            var ignore = new DockerIgnore(name);
            Assert.True(ignore.Excludes(name));
            Assert.True(ignore.Excludes(name + "/child"));
            Assert.False(ignore.Excludes(name + "x"));
        }, Fuzz.Show);
}
