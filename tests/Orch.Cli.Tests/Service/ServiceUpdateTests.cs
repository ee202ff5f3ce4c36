using Orch.Api.V1.Objects;
using Orch.Cli.Cli;

namespace Orch.Cli.Tests.Service;

public sealed class ServiceUpdateTests
{
    private static ServiceSpec Stored() => Flags.Create(
        "--name", "web", "--replicas", "3", "-e", "A=1", "-e", "B=2", "-l", "tier=web", "--container-label", "c=1",
        "--mount", "type=volume,src=data,dst=/data", "-p", "8080:80", "--constraint", "node.role==worker",
        "--placement-pref", "spread=node.labels.zone", "app:v1");

    [Fact]
    public void Update_EnvAddRm_ReplacesAddsAndRemovesByKey()
    {
        var spec = Flags.Update(Stored(), "--env-add", "A=9", "--env-add", "C=3", "--env-rm", "B");
        Assert.Equal(["A=9", "C=3"], spec.TaskTemplate.Container.Env);
    }

    [Fact]
    public void Update_RmThenAddSameKey_KeepsTheAdd()
    {
        var spec = Flags.Update(Stored(), "--env-add", "B=5", "--env-rm", "B");
        Assert.Equal(["A=1", "B=5"], spec.TaskTemplate.Container.Env);
    }

    [Fact]
    public void Update_LabelAddRm_EditServiceAndContainerLabels()
    {
        var spec = Flags.Update(Stored(), "--label-add", "env=prod", "--label-rm", "tier", "--container-label-add", "d=2", "--container-label-rm", "c");
        Assert.Equal("env=prod", string.Join(",", spec.Labels.Select(kv => kv.Key + "=" + kv.Value)));
        Assert.Equal("d=2", string.Join(",", spec.TaskTemplate.Container.Labels.Select(kv => kv.Key + "=" + kv.Value)));
    }

    [Fact]
    public void Update_MountAddRm_KeyedByTarget()
    {
        var spec = Flags.Update(Stored(), "--mount-rm", "/data", "--mount-add", "type=tmpfs,dst=/tmp/x");
        var m = Assert.Single(spec.TaskTemplate.Container.Mounts);
        Assert.Equal((MountType.Tmpfs, "/tmp/x"), (m.Type, m.Target));
        var replaced = Flags.Update(Stored(), "--mount-add", "type=bind,src=/srv,dst=/data,ro");
        var r = Assert.Single(replaced.TaskTemplate.Container.Mounts);
        Assert.Equal((MountType.Bind, "/srv", true), (r.Type, r.Source, r.ReadOnly));
    }

    [Fact]
    public void Update_PublishAddRm()
    {
        var spec = Flags.Update(Stored(), "--publish-rm", "80", "--publish-add", "9090:90");
        var p = Assert.Single(spec.Endpoint.Ports);
        Assert.Equal((9090U, 90U), (p.PublishedPort, p.TargetPort));
        var same = Flags.Update(Stored(), "--publish-add", "8080:81");
        Assert.Equal(81U, Assert.Single(same.Endpoint.Ports).TargetPort);
        var both = Flags.Update(Stored(), "--publish-add", "53:53/udp");
        Assert.Equal(2, both.Endpoint.Ports.Count);
    }

    [Fact]
    public void Update_ConstraintAndPlacementPrefAddRm()
    {
        var spec = Flags.Update(Stored(), "--constraint-rm", "node.role == worker", "--constraint-add", "node.labels.ssd==true",
            "--placement-pref-rm", "spread=node.labels.zone", "--placement-pref-add", "spread=node.labels.rack");
        Assert.Equal(["node.labels.ssd==true"], spec.TaskTemplate.Placement.Constraints);
        Assert.Equal("node.labels.rack", Assert.Single(spec.TaskTemplate.Placement.Preferences).SpreadDescriptor);
    }

    [Fact]
    public void Update_ImageReplicasArgs_AndLeavesTheRestAlone()
    {
        var stored = Stored();
        stored.TaskTemplate.Container.ImageDigest = "sha256:abc";
        var spec = Flags.Update(stored, "--image", "app:v2", "--replicas", "5", "--args", "sh -c 'sleep 1'", "--update-parallelism", "2");
        Assert.Equal(("app:v2", ""), (spec.TaskTemplate.Container.Image, spec.TaskTemplate.Container.ImageDigest));
        Assert.Equal(5UL, spec.Replicas);
        Assert.Equal(["sh", "-c", "sleep 1"], spec.TaskTemplate.Container.Args);
        Assert.Equal(2UL, spec.UpdateConfig.Parallelism);
        Assert.Equal(stored.TaskTemplate.Container.Env, spec.TaskTemplate.Container.Env);
        Assert.Equal("app:v1", stored.TaskTemplate.Container.Image); // the read copy is not modified
    }

    [Fact]
    public void Update_KeepsOtherUpdateConfigFields()
    {
        var stored = Flags.Create("--update-delay", "10s", "--update-order", "start-first", "app:v1");
        var spec = Flags.Update(stored, "--update-parallelism", "3");
        Assert.Equal((3UL, TimeSpan.FromSeconds(10), UpdateOrder.StartFirst),
            (spec.UpdateConfig.Parallelism, spec.UpdateConfig.Delay.ToTimeSpan(), spec.UpdateConfig.Order));
    }

    [Fact]
    public void Update_CreateOnlyFlag_IsUnknown()
    {
        var e = Assert.Throws<UsageException>(() => Flags.Update(Stored(), "--name", "other"));
        Assert.Equal("unknown flag: --name", e.Message);
    }

    [Fact]
    public void Update_BadDuration_NamesFlag()
    {
        var e = Assert.Throws<UsageException>(() => Flags.Update(Stored(), "--rollback-monitor", "1y"));
        Assert.Equal("invalid argument \"1y\" for \"--rollback-monitor\" flag: time: unknown unit \"y\" in duration \"1y\"", e.Message);
    }
}
