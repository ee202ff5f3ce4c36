using Google.Protobuf.WellKnownTypes;
using Orch.Api.V1.Objects;
using Orch.Cli.Cli;

namespace Orch.Cli.Tests.Service;

public sealed class ServiceSpecBuilderTests
{
    private static readonly TimeSpan S = TimeSpan.FromSeconds(1);

    public static TheoryData<string[], Func<ServiceSpec, object?>, object?> EveryFlag() => new()
    {
        { ["--name", "web"], s => s.Name, "web" },
        { ["--mode", "global"], s => s.Mode, ServiceMode.Global },
        { ["--replicas", "3"], s => s.Replicas, 3UL },
        { ["-p", "8080:80"], s => s.Endpoint.Ports[0].ToString(), new PortConfig { PublishedPort = 8080, TargetPort = 80 }.ToString() },
        { ["-p", "53:53/udp"], s => s.Endpoint.Ports[0].Protocol, PortProtocol.Udp },
        { ["-p", "80"], s => (s.Endpoint.Ports[0].PublishedPort, s.Endpoint.Ports[0].TargetPort), (0U, 80U) },
        { ["--publish", "published=8080,target=80,protocol=udp,mode=host"], s => s.Endpoint.Ports[0].ToString(),
            new PortConfig { PublishedPort = 8080, TargetPort = 80, Protocol = PortProtocol.Udp, PublishMode = PublishMode.Host }.ToString() },
        { ["-e", "A=1", "--env", "B=2"], s => string.Join(",", s.TaskTemplate.Container.Env), "A=1,B=2" },
        { ["--mount", "type=bind,src=/data,dst=/d,readonly"], s => s.TaskTemplate.Container.Mounts[0].ToString(),
            new Mount { Type = MountType.Bind, Source = "/data", Target = "/d", ReadOnly = true }.ToString() },
        { ["--mount", "type=volume,source=v,target=/v"], s => s.TaskTemplate.Container.Mounts[0].ToString(),
            new Mount { Type = MountType.Volume, Source = "v", Target = "/v" }.ToString() },
        { ["--mount", "type=tmpfs,dst=/t,tmpfs-size=64m"], s => s.TaskTemplate.Container.Mounts[0].TmpfsSizeBytes, 64L << 20 },
        { ["-w", "/srv"], s => s.TaskTemplate.Container.Workdir, "/srv" },
        { ["-u", "1000:1000"], s => s.TaskTemplate.Container.User, "1000:1000" },
        { ["--entrypoint", "/bin/sh -c"], s => string.Join("|", s.TaskTemplate.Container.Entrypoint), "/bin/sh|-c" },
        { ["--hostname", "h1"], s => s.TaskTemplate.Container.Hostname, "h1" },
        { ["--read-only"], s => s.TaskTemplate.Container.ReadOnly, true },
        { ["--constraint", "node.role==manager", "--constraint", "node.labels.z==a"], s => string.Join(";", s.TaskTemplate.Placement.Constraints), "node.role==manager;node.labels.z==a" },
        { ["--placement-pref", "spread=node.labels.zone"], s => s.TaskTemplate.Placement.Preferences[0].SpreadDescriptor, "node.labels.zone" },
        { ["--replicas-max-per-node", "2"], s => s.TaskTemplate.Placement.MaxReplicas, 2UL },
        { ["--reserve-cpu", "0.5"], s => s.TaskTemplate.Resources.Reservations.NanoCpus, 500_000_000L },
        { ["--reserve-memory", "512m"], s => s.TaskTemplate.Resources.Reservations.MemoryBytes, 512L << 20 },
        { ["--limit-cpu", "2"], s => s.TaskTemplate.Resources.Limits.NanoCpus, 2_000_000_000L },
        { ["--limit-memory", "1g"], s => s.TaskTemplate.Resources.Limits.MemoryBytes, 1L << 30 },
        { ["--limit-pids", "100"], s => s.TaskTemplate.Resources.Limits.Pids, 100L },
        { ["--restart-condition", "on-failure"], s => s.TaskTemplate.RestartPolicy.Condition, RestartCondition.OnFailure },
        { ["--restart-condition", "none"], s => s.TaskTemplate.RestartPolicy.Condition, RestartCondition.None },
        { ["--restart-delay", "0s"], s => s.TaskTemplate.RestartPolicy.Delay.ToTimeSpan(), TimeSpan.Zero },
        { ["--restart-max-attempts", "3"], s => s.TaskTemplate.RestartPolicy.MaxAttempts, 3UL },
        { ["--restart-window", "1m30s"], s => s.TaskTemplate.RestartPolicy.Window.ToTimeSpan(), 90 * S },
        { ["--update-parallelism", "0"], s => (s.UpdateConfig.HasParallelism, s.UpdateConfig.Parallelism), (true, 0UL) },
        { ["--update-delay", "100ms"], s => s.UpdateConfig.Delay.ToTimeSpan(), TimeSpan.FromMilliseconds(100) },
        { ["--update-failure-action", "rollback"], s => s.UpdateConfig.FailureAction, UpdateFailureAction.Rollback },
        { ["--update-monitor", "2s"], s => s.UpdateConfig.Monitor.ToTimeSpan(), 2 * S },
        { ["--update-max-failure-ratio", "0.25"], s => s.UpdateConfig.MaxFailureRatio, 0.25f },
        { ["--update-order", "start-first"], s => s.UpdateConfig.Order, UpdateOrder.StartFirst },
        { ["--rollback-parallelism", "2"], s => s.RollbackConfig.Parallelism, 2UL },
        { ["--rollback-delay", "1s"], s => s.RollbackConfig.Delay.ToTimeSpan(), S },
        { ["--rollback-failure-action", "continue"], s => s.RollbackConfig.FailureAction, UpdateFailureAction.Continue },
        { ["--rollback-monitor", "3s"], s => s.RollbackConfig.Monitor.ToTimeSpan(), 3 * S },
        { ["--rollback-max-failure-ratio", "1"], s => s.RollbackConfig.MaxFailureRatio, 1f },
        { ["--rollback-order", "start-first"], s => s.RollbackConfig.Order, UpdateOrder.StartFirst },
        { ["--health-cmd", "wget -q localhost"], s => string.Join("|", s.TaskTemplate.Container.Healthcheck.Test), "CMD-SHELL|wget -q localhost" },
        { ["--health-interval", "5s"], s => s.TaskTemplate.Container.Healthcheck.Interval.ToTimeSpan(), 5 * S },
        { ["--health-timeout", "2s"], s => s.TaskTemplate.Container.Healthcheck.Timeout.ToTimeSpan(), 2 * S },
        { ["--health-retries", "4"], s => s.TaskTemplate.Container.Healthcheck.Retries, 4U },
        { ["--health-start-period", "10s"], s => s.TaskTemplate.Container.Healthcheck.StartPeriod.ToTimeSpan(), 10 * S },
        { ["--no-healthcheck"], s => s.TaskTemplate.Container.Healthcheck.Disabled, true },
        { ["--stop-grace-period", "30s"], s => s.TaskTemplate.Container.StopGracePeriod.ToTimeSpan(), 30 * S },
        { ["--stop-signal", "SIGINT"], s => s.TaskTemplate.Container.StopSignal, "SIGINT" },
        { ["-l", "tier=web", "--label", "flag"], s => string.Join(",", s.Labels.Select(kv => kv.Key + "=" + kv.Value)), "tier=web,flag=" },
        { ["--container-label", "a=b"], s => s.TaskTemplate.Container.Labels["a"], "b" },
    };

    [Theory]
    [MemberData(nameof(EveryFlag))]
    public void Create_Flag_SetsItsField(string[] flags, Func<ServiceSpec, object?> field, object? expected)
    {
        var spec = Flags.Create([.. flags, "app:v1"]);
        Assert.Equal(expected, field(spec));
    }

    [Fact]
    public void Create_NoFlags_LeavesDefaultsUnset()
    {
        var spec = Flags.Create("app:v1", "sh", "-c", "echo hi");
        Assert.Equal("app:v1", spec.TaskTemplate.Container.Image);
        Assert.Equal(["sh", "-c", "echo hi"], spec.TaskTemplate.Container.Args);
        Assert.False(spec.HasReplicas);
        Assert.Null(spec.UpdateConfig);
        Assert.Null(spec.RollbackConfig);
        Assert.Null(spec.TaskTemplate.RestartPolicy);
        Assert.Null(spec.TaskTemplate.Resources);
        Assert.Null(spec.TaskTemplate.Container.StopGracePeriod);
        Assert.Null(spec.TaskTemplate.Container.Healthcheck);
        Assert.Null(spec.Endpoint);
    }

    [Fact]
    public void Create_FlagsAfterImage_AreTheCommand()
    {
        var spec = Flags.Create("--name", "x", "app:v1", "--replicas", "3");
        Assert.Equal(["--replicas", "3"], spec.TaskTemplate.Container.Args);
        Assert.False(spec.HasReplicas);
    }

    [Fact]
    public void Create_EnvFile_ReadsKeyValuesSkippingComments()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path, ["# comment", "", "A=1", "B=two words"]);
            var spec = Flags.Create("--env-file", path, "-e", "C=3", "app:v1");
            Assert.Equal(["A=1", "B=two words", "C=3"], spec.TaskTemplate.Container.Env);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Create_MissingEnvFile_NamesTheFile()
    {
        var e = Assert.Throws<CliException>(() => Flags.Create("--env-file", "/nonexistent/env", "app:v1"));
        Assert.Equal("open /nonexistent/env: no such file or directory", e.Message);
    }

    [Theory]
    [InlineData(new[] { "--restart-delay", "5x" }, "invalid argument \"5x\" for \"--restart-delay\" flag: time: unknown unit \"x\" in duration \"5x\"")]
    [InlineData(new[] { "--update-delay", "5" }, "invalid argument \"5\" for \"--update-delay\" flag: time: missing unit in duration \"5\"")]
    [InlineData(new[] { "--health-interval", "abc" }, "invalid argument \"abc\" for \"--health-interval\" flag: time: invalid duration \"abc\"")]
    [InlineData(new[] { "--limit-memory", "1x" }, "invalid argument \"1x\" for \"--limit-memory\" flag: invalid size: '1x'")]
    [InlineData(new[] { "--reserve-memory", "lots" }, "invalid argument \"lots\" for \"--reserve-memory\" flag: invalid size: 'lots'")]
    [InlineData(new[] { "--limit-cpu", "half" }, "invalid argument \"half\" for \"--limit-cpu\" flag: failed to parse half as a rational number")]
    [InlineData(new[] { "--replicas", "-1" }, "invalid argument \"-1\" for \"--replicas\" flag: strconv.ParseUint: parsing \"-1\": invalid syntax")]
    [InlineData(new[] { "--mode", "daemon" }, "invalid argument \"daemon\" for \"--mode\" flag: invalid mode, must be one of replicated, global")]
    [InlineData(new[] { "--restart-condition", "always" }, "invalid argument \"always\" for \"--restart-condition\" flag: invalid restart condition, must be one of none, on-failure, any")]
    [InlineData(new[] { "--rollback-failure-action", "rollback" }, "invalid argument \"rollback\" for \"--rollback-failure-action\" flag: must be one of pause, continue")]
    [InlineData(new[] { "--update-order", "random" }, "invalid argument \"random\" for \"--update-order\" flag: must be one of stop-first, start-first")]
    [InlineData(new[] { "-p", "80:99999" }, "invalid argument \"80:99999\" for \"--publish\" flag: invalid port number: 99999")]
    [InlineData(new[] { "-p", "80:80/sctp" }, "invalid argument \"80:80/sctp\" for \"--publish\" flag: invalid protocol: sctp")]
    [InlineData(new[] { "--mount", "type=bind,dst=/d" }, "invalid argument \"type=bind,dst=/d\" for \"--mount\" flag: source is required when specifying bind mounts")]
    [InlineData(new[] { "--placement-pref", "pack=node.labels.z" }, "invalid argument \"pack=node.labels.z\" for \"--placement-pref\" flag: unsupported placement preference pack (only spread is supported)")]
    [InlineData(new[] { "--no-healthcheck", "--health-cmd", "true" }, "--no-healthcheck conflicts with --health-* options")]
    [InlineData(new[] { "--mode", "global", "--replicas", "2" }, "replicas can only be used with replicated mode")]
    public void Create_BadValue_UsageErrorNamesFlagAndValue(string[] flags, string message)
    {
        var e = Assert.Throws<UsageException>(() => Flags.Create([.. flags, "app:v1"]));
        Assert.Equal(message, e.Message);
        Assert.Equal("service create", e.CommandName);
    }

    [Fact]
    public void Create_NoImage_RequiresOneArgument()
    {
        var e = Assert.Throws<UsageException>(() => Flags.Create("--name", "web"));
        Assert.Equal("\"orch service create\" requires at least 1 argument.", e.Message);
    }

    [Fact]
    public void Create_UnknownFlag_IsUsageError()
    {
        var e = Assert.Throws<UsageException>(() => Flags.Create("--bogus", "app:v1"));
        Assert.Equal("unknown flag: --bogus", e.Message);
    }

    [Fact]
    public void Create_StopGracePeriod_IsAProtoDuration()
    {
        var spec = Flags.Create("--stop-grace-period", "1m30s", "app:v1");
        Assert.Equal(Duration.FromTimeSpan(TimeSpan.FromSeconds(90)), spec.TaskTemplate.Container.StopGracePeriod);
    }
}
