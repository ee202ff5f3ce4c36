using Orch.Engine.Build;

namespace Orch.Engine.Tests.Build;

public sealed class DockerfileParserTests
{
    [Fact]
    public void Parse_ContinuationsCommentsAndCase_JoinsAsDocker()
    {
        var df = DockerfileParser.Parse("""
            # a comment
            from busybox AS base

            Run echo a \
            # comment inside a continuation is dropped
                && echo b
            COPY --from=base --chown=1:2 a b /dst/
            CMD ["sh", "-c", "echo hi"]
            ENTRYPOINT echo [not json
            """);
        Assert.Equal(["FROM", "RUN", "COPY", "CMD", "ENTRYPOINT"], df.Instructions.Select(i => i.Keyword));
        Assert.Equal("busybox AS base", df.Instructions[0].Args);
        Assert.Equal("echo a     && echo b", df.Instructions[1].Args);
        Assert.Equal(4, df.Instructions[1].Line);
        Assert.Equal("base", df.Instructions[2].Flag("from"));
        Assert.Equal("1:2", df.Instructions[2].Flag("chown"));
        Assert.Equal("a b /dst/", df.Instructions[2].Args);
        Assert.Equal(["sh", "-c", "echo hi"], df.Instructions[3].Json!);
        Assert.Null(df.Instructions[4].Json);
    }

    [Fact]
    public void Parse_EscapeDirective_UsesBacktick()
    {
        var df = DockerfileParser.Parse("# escape=`\nFROM busybox\nRUN echo a `\n  b\\c\n");
        Assert.Equal('`', df.Escape);
        Assert.Equal("echo a   b\\c", df.Instructions[1].Args);
    }

    [Fact]
    public void Parse_DirectiveAfterInstruction_IsAComment()
    {
        var df = DockerfileParser.Parse("FROM busybox\n# escape=`\nRUN echo a \\\n b\n");
        Assert.Equal('\\', df.Escape);
        Assert.Equal("echo a  b", df.Instructions[1].Args);
    }

    [Theory]
    [InlineData("FROM busybox\nFOO bar\n", "Dockerfile:2: unknown instruction: FOO")]
    [InlineData("FROM busybox\n\nCOPY --frm=x a b\n", "Dockerfile:3: COPY: unknown flag: frm")]
    [InlineData("FROM busybox\nRUN --bogus true\n", "Dockerfile:2: RUN: unknown flag: bogus")]
    [InlineData("# escape=x\nFROM busybox\n", "Dockerfile:1: invalid escape token 'x' does not match ` or \\")]
    public void Parse_BadInput_NamesFileAndLine(string text, string message)
    {
        var e = Assert.Throws<BuildException>(() => DockerfileParser.Parse(text));
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("$A", "a")]
    [InlineData("${A}b", "ab")]
    [InlineData("${NOPE:-dflt}", "dflt")]
    [InlineData("${EMPTY:-dflt}", "dflt")]
    [InlineData("${EMPTY-dflt}", "")]
    [InlineData("${A:+set}", "set")]
    [InlineData("${NOPE:+set}", "")]
    [InlineData("${A:-$B}", "a")]
    [InlineData("${NOPE:-$B}", "b")]
    [InlineData("'$A'", "$A")]
    [InlineData("\"$A x\"", "a x")]
    [InlineData("\\$A", "$A")]
    [InlineData("$", "$")]
    [InlineData("a$NOPE.b", "a.b")]
    [InlineData("/x/${A}/y", "/x/a/y")]
    public void Word_Substitution_AsDocker(string input, string expected)
    {
        var env = new Dictionary<string, string> { ["A"] = "a", ["B"] = "b", ["EMPTY"] = "" };
        var words = new ShellWords(k => env.GetValueOrDefault(k));
        Assert.Equal(expected, words.Word(input));
    }

    [Fact]
    public void Words_SplitOnUnquotedSpace()
    {
        var words = new ShellWords(k => k == "A" ? "x y" : null);
        Assert.Equal(["a", "b c", "x y", "d"], words.Words("a \"b c\"  $A d"));
    }

    [Theory]
    [InlineData("A=1 B=\"two words\" C=$X", "A=1|B=two words|C=x")]
    [InlineData("A two words", "A=two words")]
    [InlineData("A=\"a\\\"q\" D=", "A=a\"q|D=")]
    public void KeyValues_BothForms(string args, string expected)
    {
        var words = new ShellWords(k => k == "X" ? "x" : null);
        var kv = KeyValueArgs.Parse(args, words, '\\', legacyAllowed: true, "ENV");
        Assert.Equal(expected, string.Join('|', kv.Select(p => p.Key + "=" + p.Value)));
    }
}
