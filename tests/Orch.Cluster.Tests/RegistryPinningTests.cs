using System.Text.Json;
using System.Text.RegularExpressions;
using Orch.Testing;
using Orch.Testing.Cluster;

namespace Orch.Cluster.Tests;

/// <summary>
/// Pinning against a real registry (Debian's docker-registry on loopback): a one-node swarm on a test daemon
/// pins a tag its own store does not hold to the digest the registry gives, and its task runs that image.
/// </summary>
public sealed partial class RegistryPinningTests
{
    [Fact]
    public async Task RegistryTag_IsPinnedToTheRegistrysDigest_AndItsTaskRuns()
    {
        await using var registry = await TestRegistry.StartAsync(("alice", "s3cret"));
        await using var d = await TestDaemon.StartAsync();
        await TestImages.BusyboxAsync(d);
        var reference = $"{registry.Host}/web:v1";
        await MustAsync(d, "login", "-u", "alice", "--password-stdin", registry.Host);
        await MustAsync(d, "tag", "busybox", reference);
        var push = await MustAsync(d, "push", reference);
        var pushed = PushDigest().Match(push.Stdout).Groups[1].Value;
        Assert.StartsWith("sha256:", pushed);
        // Untagged here, so the manager's own store cannot answer: only the registry knows web:v1.
        await MustAsync(d, "rmi", reference);
        var port = TestRegistry.FreePort();
        await MustAsync(d, "swarm", "init", "--advertise-addr", "127.0.0.1", "--listen-addr", $"127.0.0.1:{port}");
        try
        {
            var create = await MustAsync(d, "service", "create", "--detach", "--with-registry-auth", "--name", "web", reference,
                "sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait");
            Assert.DoesNotContain("could not be accessed", create.Stderr);

            var inspect = await MustAsync(d, "service", "inspect", "web");
            using (var doc = JsonDocument.Parse(inspect.Stdout))
            {
                var container = doc.RootElement[0].GetProperty("Spec").GetProperty("TaskTemplate").GetProperty("ContainerSpec");
                Assert.Equal(reference + "@" + pushed, container.GetProperty("Image").GetString());
                // The forwarded credentials never come back through the control API.
                Assert.DoesNotContain("s3cret", inspect.Stdout);
                Assert.DoesNotContain("alice", inspect.Stdout);
            }
            await Eventually.MatchAsync(() => d.OrchAsync("service", "ps", "web"),
                r => r.ExitCode == 0 && r.Stdout.Contains(" Running ", StringComparison.Ordinal), "the task of web runs",
                TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(1));
            await MustAsync(d, "service", "rm", "web");
        }
        finally
        {
            await d.OrchAsync("swarm", "leave", "--force");
        }
    }

    private static async Task<CommandResult> MustAsync(TestDaemon d, params string[] args)
    {
        var r = args[0] == "login"
            ? await ProcessRunner.RunAsync(Binaries.Orch, ["-H", "unix://" + d.Socket, .. args], TimeSpan.FromSeconds(60), stdin: "s3cret")
            : await d.OrchAsync(args);
        Assert.True(r.ExitCode == 0, $"orch {string.Join(' ', args)}: {r}\n{d.ReadLog()}");
        return r;
    }

    [GeneratedRegex(@"digest: (sha256:[0-9a-f]{64})")]
    private static partial Regex PushDigest();
}
