using Microsoft.Extensions.Logging.Abstractions;
using Orch.Api.V1.Objects;
using Orch.Manager.Distribution;
using Task = System.Threading.Tasks.Task;

namespace Orch.Manager.Tests.Distribution;

/// <summary>The pinning rules (pure: the node's images are a scripted <see cref="ILocalImages"/>).</summary>
public sealed class ImagePinnerTests
{
    private const string Local = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string Remote = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    private const string Old = "sha256:3333333333333333333333333333333333333333333333333333333333333333";

    private static ImagePinner Pinner(ScriptedImages images) => new(images, "node-1", NullLogger<ImagePinner>.Instance);

    private static ServiceSpec Spec(string image, string digest = "", string origin = "", string auth = "") => new()
    {
        TaskTemplate = new TaskSpec { Container = new ContainerSpec { Image = image, ImageDigest = digest, ImageOriginNode = origin, RegistryAuth = auth } },
    };

    [Fact]
    public async Task Pin_ImageOnThisNode_UsesItsManifestDigestAndRecordsTheOrigin()
    {
        var images = new ScriptedImages { LocalDigests = { ["app:v1"] = Local }, RegistryDigest = Remote };
        var spec = Spec("app:v1");
        Assert.Null(await Pinner(images).PinAsync(spec, null, default, CancellationToken.None));
        Assert.Equal(Local, spec.TaskTemplate.Container.ImageDigest);
        Assert.Equal("node-1", spec.TaskTemplate.Container.ImageOriginNode);
        Assert.Equal(0, images.RegistryCalls);
    }

    [Fact]
    public async Task Pin_NotOnThisNode_UsesTheRegistrysDigest()
    {
        var images = new ScriptedImages { RegistryDigest = Remote };
        var spec = Spec("registry:5000/app:v1");
        Assert.Null(await Pinner(images).PinAsync(spec, null, default, CancellationToken.None));
        Assert.Equal(Remote, spec.TaskTemplate.Container.ImageDigest);
        Assert.Equal("", spec.TaskTemplate.Container.ImageOriginNode);
    }

    [Fact]
    public async Task Pin_Nowhere_KeepsTheTagAndWarnsAsDocker()
    {
        var spec = Spec("app:v9");
        var warning = await Pinner(new ScriptedImages()).PinAsync(spec, null, default, CancellationToken.None);
        Assert.Equal("image app:v9 could not be accessed on a registry to record its digest. Each node will access app:v9 independently, "
            + "possibly leading to different nodes running different versions of the image.", warning);
        Assert.Equal("", spec.TaskTemplate.Container.ImageDigest);
    }

    [Fact]
    public async Task Pin_UpdateOfTheSameTagThatNoLongerResolves_KeepsThePreviousDigest()
    {
        var spec = Spec("app:v1");
        var warning = await Pinner(new ScriptedImages()).PinAsync(spec, Spec("app:v1", Old, "node-2"), default, CancellationToken.None);
        Assert.Null(warning);
        Assert.Equal(Old, spec.TaskTemplate.Container.ImageDigest);
        Assert.Equal("node-2", spec.TaskTemplate.Container.ImageOriginNode);
    }

    [Fact]
    public async Task Pin_UpdateThatKeepsTheDigest_DoesNotResolveUnlessForced()
    {
        var images = new ScriptedImages { LocalDigests = { ["app:v1"] = Local } };
        var kept = Spec("app:v1", Old, "node-2");
        await Pinner(images).PinAsync(kept, Spec("app:v1", Old, "node-2"), default, CancellationToken.None);
        Assert.Equal(Old, kept.TaskTemplate.Container.ImageDigest);

        var forced = Spec("app:v1", Old, "node-2");
        await Pinner(images).PinAsync(forced, Spec("app:v1", Old, "node-2"), new PinOptions(false, false, Force: true), CancellationToken.None);
        Assert.Equal(Local, forced.TaskTemplate.Container.ImageDigest);
        Assert.Equal("node-1", forced.TaskTemplate.Container.ImageOriginNode);
    }

    [Fact]
    public async Task Pin_NoResolveImage_LeavesTheTagAlone()
    {
        var images = new ScriptedImages { LocalDigests = { ["app:v1"] = Local }, RegistryDigest = Remote };
        var spec = Spec("app:v1");
        Assert.Null(await Pinner(images).PinAsync(spec, null, new PinOptions(NoResolveImage: true, false, false), CancellationToken.None));
        Assert.Equal("", spec.TaskTemplate.Container.ImageDigest);
        Assert.Equal(0, images.RegistryCalls);
    }

    [Fact]
    public async Task Pin_DigestReference_PinsItself()
    {
        var spec = Spec("app:v1@" + Remote);
        await Pinner(new ScriptedImages { RegistryDigest = Local }).PinAsync(spec, null, default, CancellationToken.None);
        Assert.Equal(Remote, spec.TaskTemplate.Container.ImageDigest);
    }

    [Fact]
    public async Task Pin_WithRegistryAuth_ForwardsThisNodesCredentials_AndAnUpdateWithoutKeepsThem()
    {
        var images = new ScriptedImages { RegistryDigest = Remote, Auth = "encoded-alice" };
        var created = Spec("registry:5000/app:v1");
        await Pinner(images).PinAsync(created, null, new PinOptions(false, WithRegistryAuth: true, false), CancellationToken.None);
        Assert.Equal("encoded-alice", created.TaskTemplate.Container.RegistryAuth);
        Assert.Equal("encoded-alice", images.AuthUsed);

        // The control API never returns the credentials, so the CLI sends the spec back without them.
        var updated = Spec("registry:5000/app:v2");
        await Pinner(images).PinAsync(updated, created, default, CancellationToken.None);
        Assert.Equal("encoded-alice", updated.TaskTemplate.Container.RegistryAuth);
    }

    private sealed class ScriptedImages : ILocalImages
    {
        public Dictionary<string, string> LocalDigests { get; } = [];
        public string? RegistryDigest { get; init; }
        public string Auth { get; init; } = "";
        public int RegistryCalls { get; private set; }
        public string? AuthUsed { get; private set; }

        public string? ManifestDigestOf(string reference) => LocalDigests.GetValueOrDefault(reference);

        public Task<(string? Digest, string Reason)> RegistryDigestAsync(string reference, string registryAuth, CancellationToken ct)
        {
            RegistryCalls++;
            AuthUsed = registryAuth;
            return Task.FromResult<(string?, string)>((RegistryDigest, RegistryDigest is null ? "manifest unknown" : ""));
        }

        public string RegistryAuthFor(string reference) => Auth;

        public byte[]? ReadManifest(string digest) => null;

        public Stream? OpenBlob(string digest) => null;

        public Task CopyAsync(string image, string digest, IReadOnlyList<string> managers, CancellationToken ct) => Task.CompletedTask;
    }
}
