using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Orch.Testing;

/// <summary>
/// Debian's docker-registry (distribution 2.8) on a free loopback port with its own storage directory,
/// started for a test and stopped by PID.
/// </summary>
public sealed class TestRegistry : IAsyncDisposable
{
    private readonly Process process;

    private TestRegistry(string root, int port, Process process)
    {
        Root = root;
        Port = port;
        this.process = process;
    }

    public string Root { get; }
    public int Port { get; }

    /// <summary>"127.0.0.1:PORT": use as the registry part of a reference.</summary>
    public string Host => $"{Address}:{Port}";

    public string Address { get; private init; } = "127.0.0.1";

    /// <param name="user">With a user, the registry demands htpasswd basic auth (bcrypt hash made by python3's crypt).</param>
    /// <param name="token">With a token server, the registry demands its bearer tokens (distribution's auth.token).</param>
    /// <param name="netns">Run inside this network namespace, listening on <paramref name="address"/>:5000.</param>
    public static async Task<TestRegistry> StartAsync((string Name, string Password)? user = null, TokenAuth? token = null,
        string? netns = null, string address = "127.0.0.1")
    {
        var root = Path.Combine(Path.GetTempPath(), "orch-registry-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var port = netns is null ? FreePort() : 5000;
        var config = Path.Combine(root, "config.yml");
        var auth = "";
        if (user is { } u)
        {
            var hash = await ProcessRunner.RunAsync("python3", ["-c", "import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))", u.Password]);
            if (hash.ExitCode != 0 || !hash.Stdout.StartsWith("$2", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("cannot make a bcrypt hash for htpasswd: " + hash);
            }
            await File.WriteAllTextAsync(Path.Combine(root, "htpasswd"), $"{u.Name}:{hash.Stdout.Trim()}\n");
            auth = $"auth:\n  htpasswd:\n    realm: orch-test\n    path: {root}/htpasswd\n";
        }
        if (token is not null)
        {
            auth = $"auth:\n  token:\n    realm: {token.Realm}\n    service: {token.Service}\n    issuer: {token.Issuer}\n    rootcertbundle: {token.RootCertBundle}\n";
        }
        await File.WriteAllTextAsync(config, $"""
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {root}/data
              delete:
                enabled: true
            http:
              addr: {address}:{port}
            """ + "\n" + auth);
        // `ip netns exec` execs docker-registry in place, so the PID we kill is the registry's.
        var psi = new ProcessStartInfo(netns is null ? "docker-registry" : "ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (netns is not null)
        {
            foreach (var a in new[] { "netns", "exec", netns, "docker-registry" })
            {
                psi.ArgumentList.Add(a);
            }
        }
        psi.ArgumentList.Add("serve");
        psi.ArgumentList.Add(config);
        var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start docker-registry (deploy/install-deps.sh installs it)");
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        var registry = new TestRegistry(root, port, p) { Address = address };
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var r = await http.GetAsync($"http://{address}:{port}/v2/");
                if (r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized)
                {
                    return registry;
                }
            }
            catch (HttpRequestException)
            {
            }
            if (p.HasExited)
            {
                break;
            }
            await Task.Delay(50);
        }
        await registry.DisposeAsync();
        throw new TimeoutException($"docker-registry did not answer GET /v2/ on port {port} within 20 s");
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        process.Dispose();
        Directory.Delete(Root, recursive: true);
    }
}

/// <summary>Where docker-registry sends clients for tokens, and how it checks them (auth.token in its config).</summary>
public sealed record TokenAuth(string Realm, string Service, string Issuer, string RootCertBundle);
