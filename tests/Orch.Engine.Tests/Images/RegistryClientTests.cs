using Orch.Engine.Registry;

namespace Orch.Engine.Tests.Images;

public sealed class RegistryClientTests
{
    [Theory]
    [InlineData("localhost", true)]
    [InlineData("localhost:5000", true)]
    [InlineData("127.0.0.1:5000", true)]
    [InlineData("127.1.2.3", true)]
    [InlineData("[::1]:5000", true)]
    [InlineData("registry.example.com", false)]
    [InlineData("10.0.0.1:5000", false)]
    [InlineData("docker.io", false)]
    public void IsLoopback_OnlyLoopbackRegistriesMayUsePlainHttp(string domain, bool loopback) =>
        Assert.Equal(loopback, RegistryClient.IsLoopback(domain));

    [Fact]
    public void ParseChallenge_ReadsQuotedAndBareParameters()
    {
        var p = RegistryClient.ParseChallenge("realm=\"https://auth.example.com/token\",service=\"registry.example.com\",scope=\"repository:a/b:pull,push\", error=insufficient_scope");
        Assert.Equal("https://auth.example.com/token", p["realm"]);
        Assert.Equal("registry.example.com", p["service"]);
        Assert.Equal("repository:a/b:pull,push", p["scope"]);
        Assert.Equal("insufficient_scope", p["error"]);
    }
}
