using Orch.Testing;

namespace Orch.Engine.Tests.Images;

/// <summary>Bearer-token auth: docker-registry with auth.token, and a token server the test runs.</summary>
public sealed class TokenAuthTests
{
    [Fact]
    public async Task TokenAuthRegistry_PushAndPullNeedLogin_TheTokenServerSeesTheScope()
    {
        var dir = Directory.CreateTempSubdirectory("orch-token-").FullName;
        try
        {
            await using var tokens = new TokenServer(dir, ("alice", "s3cret"));
            await using var registry = await TestRegistry.StartAsync(token: new TokenAuth(tokens.Realm, TokenServer.Service, TokenServer.Issuer, tokens.CertificateBundle));
            await using var d = await TestDaemon.StartAsync();
            var name = $"{registry.Host}/private/box:v1";
            await TestImages.BusyboxAsync(d, name);

            // Anonymous: the token server hands out a token that grants nothing; the registry refuses it.
            var refused = await d.OrchAsync("push", name);
            Assert.Equal(1, refused.ExitCode);
            Assert.Equal($"Error response from daemon: unauthorized: authentication required for {registry.Host} (orch login {registry.Host})", refused.Stderr.Trim());
            Assert.Contains(("", "repository:private/box:pull,push"), tokens.Issued);

            var wrong = await ProcessRunner.RunAsync(Binaries.Orch, ["-H", "unix://" + d.Socket, "login", "-u", "alice", "--password-stdin", registry.Host], stdin: "nope\n");
            Assert.Equal(1, wrong.ExitCode);
            Assert.Contains($"authentication with {tokens.Realm} failed: 401", wrong.Stderr);

            var login = await ProcessRunner.RunAsync(Binaries.Orch, ["-H", "unix://" + d.Socket, "login", "-u", "alice", "--password-stdin", registry.Host], stdin: "s3cret\n");
            Assert.True(login.ExitCode == 0, login.ToString());
            Assert.Equal("Login Succeeded", login.Stdout.Trim());

            var push = await d.OrchAsync("push", name);
            Assert.True(push.ExitCode == 0, push.ToString());
            Assert.Contains(("alice", "repository:private/box:pull,push"), tokens.Issued);
            Assert.Equal(0, (await d.OrchAsync("rmi", name)).ExitCode);
            var pull = await d.OrchAsync("pull", name);
            Assert.True(pull.ExitCode == 0, pull.ToString());
            Assert.Contains("Status: Downloaded newer image for " + name, pull.Stdout);
            Assert.Contains(("alice", "repository:private/box:pull"), tokens.Issued);

            // Several layers go up and come down in parallel and meet the 401 together: one token serves them all.
            var layered = $"{registry.Host}/private/layers:v1";
            await TestImages.LayeredAsync(d, name, layered);
            var pushLayers = await d.OrchAsync("push", layered);
            Assert.True(pushLayers.ExitCode == 0, pushLayers.ToString());
            Assert.Equal(0, (await d.OrchAsync("rmi", layered)).ExitCode);
            var pullLayers = await d.OrchAsync("pull", layered);
            Assert.True(pullLayers.ExitCode == 0, pullLayers.ToString());

            // skopeo, with the same credentials, sees what orch pushed through the token flow.
            var skopeo = await ProcessRunner.RunAsync("skopeo", ["inspect", "--tls-verify=false", "--creds", "alice:s3cret", "docker://" + name]);
            Assert.True(skopeo.ExitCode == 0, skopeo.ToString());

            Assert.Equal(0, (await d.OrchAsync("logout", registry.Host)).ExitCode);
            Assert.Equal(0, (await d.OrchAsync("rmi", name)).ExitCode);
            var anonymous = await d.OrchAsync("pull", name);
            Assert.Equal(1, anonymous.ExitCode);
            Assert.Contains("unauthorized: authentication required", anonymous.Stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
