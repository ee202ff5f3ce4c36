using Orch.Engine.Build;

namespace Orch.Engine.Tests.Build;

public sealed class DockerIgnoreTests
{
    [Theory]
    [InlineData("*.log", "a.log", true)]
    [InlineData("*.log", "dir/a.log", false)]
    [InlineData("**/*.log", "dir/sub/a.log", true)]
    [InlineData("**/*.log", "a.log", true)]
    [InlineData("tmp", "tmp/x/y", true)]
    [InlineData("/tmp", "tmp", true)]
    [InlineData("tmp/", "tmp/a", true)]
    [InlineData("a?c", "abc", true)]
    [InlineData("a?c", "a/c", false)]
    [InlineData("docs/**", "docs/a/b.md", true)]
    [InlineData("docs/**", "docsx", false)]
    [InlineData("./x/../y", "y", true)]
    [InlineData("# comment\n\nsecret", "secret", true)]
    [InlineData("*.md\n!README.md", "README.md", false)]
    [InlineData("*.md\n!README.md", "CHANGES.md", true)]
    [InlineData("*.md\n!README.md\nREADME*", "README.md", true)]
    [InlineData("dir\n!dir/keep", "dir/keep", false)]
    [InlineData("dir\n!dir/keep", "dir/other", true)]
    [InlineData("[ab].txt", "b.txt", true)]
    [InlineData("[!ab].txt", "b.txt", false)]
    public void Excludes_DockerRules(string patterns, string path, bool excluded)
    {
        Assert.Equal(excluded, new DockerIgnore(patterns).Excludes(path));
    }
}
