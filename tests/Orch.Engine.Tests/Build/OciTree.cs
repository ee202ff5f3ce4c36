using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orch.Testing;

namespace Orch.Engine.Tests.Build;

/// <summary>An image as a peer sees it: its OCI config fields and its unpacked file tree (by umoci).</summary>
internal sealed record OciTree(JsonObject Config, SortedDictionary<string, string> Files)
{
    /// <summary>Reads tag "t" of an OCI layout: config from the blobs, files from `umoci unpack`.</summary>
    public static async Task<OciTree> LoadAsync(string layout, string bundle)
    {
        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(layout, "index.json")))!;
        var manifest = JsonNode.Parse(File.ReadAllText(Blob(layout, index["manifests"]![0]!["digest"]!.GetValue<string>())))!;
        var config = JsonNode.Parse(File.ReadAllText(Blob(layout, manifest["config"]!["digest"]!.GetValue<string>())))!;
        var unpack = await ProcessRunner.RunAsync("umoci", ["unpack", "--image", layout + ":t", bundle], TimeSpan.FromMinutes(2));
        Assert.True(unpack.ExitCode == 0, unpack.ToString());
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var rootfs = Path.Combine(bundle, "rootfs");
        // find(1) gives owner and mode without a stat binding here; content is hashed below.
        var list = await ProcessRunner.RunAsync("find", [rootfs, "-mindepth", "1", "-printf", "%P\t%y\t%m\t%U:%G\t%l\n"]);
        Assert.True(list.ExitCode == 0, list.ToString());
        foreach (var line in list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split('\t');
            var content = f[1] == "f" ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(rootfs, f[0])))) : f[4];
            files[f[0]] = $"{f[1]} {f[2]} {f[3]} {content}";
        }
        return new OciTree(config["config"]!.AsObject(), files);
    }

    private static string Blob(string layout, string digest) => Path.Combine(layout, "blobs", "sha256", digest["sha256:".Length..]);

    /// <summary>The fields the comparison covers, as canonical JSON.</summary>
    public string Field(string name)
    {
        var node = Config[name]?.DeepClone();
        if (name == "Labels" && node is JsonObject labels)
        {
            labels.Remove("io.buildah.version"); // buildah stamps its own version
        }
        if (node is JsonObject obj && obj.Count == 0)
        {
            node = null;
        }
        if (node is JsonArray arr && arr.Count == 0)
        {
            node = null;
        }
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Length == 0)
        {
            node = null;
        }
        return node is JsonObject o2 ? new JsonObject(o2.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.DeepClone()))).ToJsonString() : node?.ToJsonString() ?? "null";
    }
}
