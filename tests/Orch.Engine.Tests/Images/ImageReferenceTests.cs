using Orch.Engine.Images;

namespace Orch.Engine.Tests.Images;

public sealed class ImageReferenceTests
{
    [Theory]
    [InlineData("ubuntu", "docker.io/library/ubuntu", null, null, "ubuntu")]
    [InlineData("ubuntu:22.04", "docker.io/library/ubuntu", "22.04", null, "ubuntu:22.04")]
    [InlineData("library/ubuntu", "docker.io/library/ubuntu", null, null, "ubuntu")]
    [InlineData("docker.io/library/ubuntu:latest", "docker.io/library/ubuntu", "latest", null, "ubuntu:latest")]
    [InlineData("index.docker.io/library/ubuntu", "docker.io/library/ubuntu", null, null, "ubuntu")]
    [InlineData("docker.io/ubuntu", "docker.io/library/ubuntu", null, null, "ubuntu")]
    [InlineData("user/app", "docker.io/user/app", null, null, "user/app")]
    [InlineData("user/app:v1.2_rc-3", "docker.io/user/app", "v1.2_rc-3", null, "user/app:v1.2_rc-3")]
    [InlineData("localhost/app", "localhost/app", null, null, "localhost/app")]
    [InlineData("localhost:5000/x", "localhost:5000/x", null, null, "localhost:5000/x")]
    [InlineData("localhost:5000/x:v2", "localhost:5000/x", "v2", null, "localhost:5000/x:v2")]
    [InlineData("127.0.0.1:5000/a/b/c:t", "127.0.0.1:5000/a/b/c", "t", null, "127.0.0.1:5000/a/b/c:t")]
    [InlineData("registry.example.com/team/app", "registry.example.com/team/app", null, null, "registry.example.com/team/app")]
    [InlineData("[::1]:5000/app", "[::1]:5000/app", null, null, "[::1]:5000/app")]
    // A Hub path that starts like a registry keeps docker.io in its short form, or it would name that registry.
    [InlineData("docker.io/example.com/app", "docker.io/example.com/app", null, null, "docker.io/example.com/app")]
    [InlineData("docker.io/localhost/app", "docker.io/localhost/app", null, null, "docker.io/localhost/app")]
    [InlineData("ab-c__d/e.f", "docker.io/ab-c__d/e.f", null, null, "ab-c__d/e.f")]
    [InlineData("my-app_1.x", "docker.io/library/my-app_1.x", null, null, "my-app_1.x")]
    [InlineData("a--b", "docker.io/library/a--b", null, null, "a--b")]
    public void Parse_Valid_NormalisesAsDocker(string input, string repository, string? tag, string? digest, string familiar)
    {
        var r = ImageReference.Parse(input);
        Assert.Equal(repository, r.Repository);
        Assert.Equal(tag, r.Tag);
        Assert.Equal(digest, r.Digest);
        Assert.Equal(familiar, r.Familiar);
    }

    [Fact]
    public void Parse_WithDigest_KeepsTagAndDigest()
    {
        var d = "sha256:" + new string('a', 64);
        var r = ImageReference.Parse("localhost:5000/app:v1@" + d);
        Assert.Equal("localhost:5000/app", r.Repository);
        Assert.Equal("v1", r.Tag);
        Assert.Equal(d, r.Digest);
        Assert.Equal("localhost:5000/app:v1@" + d, r.ToString());
        Assert.Equal("busybox@" + d, ImageReference.Parse("busybox@" + d).Familiar);
    }

    [Fact]
    public void WithDefaultTag_AddsLatestOnlyWithoutTagOrDigest()
    {
        Assert.Equal("docker.io/library/busybox:latest", ImageReference.Parse("busybox").WithDefaultTag().ToString());
        Assert.Equal("busybox:1", ImageReference.Parse("busybox:1").WithDefaultTag().Familiar);
        var d = "sha256:" + new string('b', 64);
        Assert.Null(ImageReference.Parse("busybox@" + d).WithDefaultTag().Tag);
    }

    [Theory]
    [InlineData("Ubuntu", "repository name (library/Ubuntu) must be lowercase")]
    [InlineData("user/App", "repository name (user/App) must be lowercase")]
    [InlineData("localhost:5000/App", "repository name (App) must be lowercase")]
    [InlineData("busybox:", "empty tag")]
    [InlineData("busybox@sha256:abc", "invalid digest \"sha256:abc\"")]
    [InlineData("busybox@sha256:" + "ABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCD", "invalid digest")]
    [InlineData("busybox@md5:d41d8cd98f00b204e9800998ecf8427e", "unsupported digest algorithm")]
    [InlineData("busybox@", "empty digest")]
    [InlineData("", "at least one component")]
    [InlineData(":latest", "at least one component")]
    [InlineData("busybox:-x", "invalid tag \"-x\"")]
    [InlineData("busybox:a/b", "invalid port \"a\"")]
    [InlineData("a_b.example.com/x", "invalid registry host")]
    [InlineData("bad..name", "invalid repository name component")]
    [InlineData("_x", "invalid repository name component")]
    [InlineData("a//b", "empty path component")]
    [InlineData("x/", "empty path component")]
    [InlineData("localhost:port/x", "invalid port \"port\"")]
    [InlineData("-bad.example.com/x", "invalid registry host")]
    [InlineData("a b", "invalid character ' '")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "cannot specify 64-byte hexadecimal strings")]
    public void Parse_Invalid_SaysWhy(string input, string expected)
    {
        var e = Assert.Throws<InvalidReferenceException>(() => ImageReference.Parse(input));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Parse_TagTooLong_Refused()
    {
        var e = Assert.Throws<InvalidReferenceException>(() => ImageReference.Parse("busybox:" + new string('t', 129)));
        Assert.Contains("invalid tag", e.Message);
        Assert.Equal(128, ImageReference.Parse("busybox:" + new string('t', 128)).Tag!.Length);
    }

    [Fact]
    public void Parse_NameTooLong_Refused()
    {
        var e = Assert.Throws<InvalidReferenceException>(() => ImageReference.Parse(new string('a', 256)));
        Assert.Contains("must not be more than 255 characters", e.Message);
    }

    [Fact]
    public void ChainIds_FollowTheOciFormula()
    {
        var a = "sha256:" + new string('a', 64);
        var b = "sha256:" + new string('b', 64);
        var chains = Digest.ChainIds([a, b]);
        Assert.Equal(a, chains[0]);
        Assert.Equal(Digest.Of(System.Text.Encoding.ASCII.GetBytes(a + " " + b)), chains[1]);
    }
}
