using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Service;

/// <summary>
/// The flags of <c>service create</c> and <c>service update</c> (docker/cli's names). Scalar flags are
/// shared; list flags are plain on create (<c>--env</c>) and <c>-add</c>/<c>-rm</c> pairs on update,
/// as in Docker. A flag left unset leaves its spec field unset so that the manager applies Swarm's default.
/// </summary>
internal sealed class ServiceFlags
{
    public ServiceFlags(FlagSet f, bool update)
    {
        Set = f;
        IsUpdate = update;
        Detach = f.Bool("d", "detach", "Exit immediately instead of waiting for the service to converge");
        Quiet = f.Bool("q", "quiet", "Suppress progress output");
        WithRegistryAuth = f.Bool(null, "with-registry-auth", "Send registry authentication details to swarm agents");
        NoResolveImage = f.Bool(null, "no-resolve-image", "Do not query the registry to resolve image digest and supported platforms");
        if (!update)
        {
            Name = f.String(null, "name", "Service name");
            Mode = f.String(null, "mode", "Service mode (\"replicated\" or \"global\")");
            Env = f.String("e", "env", "Set environment variables", "list");
            EnvFile = f.String(null, "env-file", "Read in a file of environment variables", "list");
            Label = f.String("l", "label", "Service labels", "list");
            ContainerLabel = f.String(null, "container-label", "Container labels", "list");
            Mount = f.String(null, "mount", "Attach a filesystem mount to the service", "mount");
            Publish = f.String("p", "publish", "Publish a port as a node port", "port");
            Constraint = f.String(null, "constraint", "Placement constraints", "list");
            PlacementPref = f.String(null, "placement-pref", "Add a placement preference", "pref");
        }
        else
        {
            Image = f.String(null, "image", "Service image tag");
            Args = f.String(null, "args", "Service command args", "command");
            Force = f.Bool(null, "force", "Force update even if no changes require it");
            Rollback = f.Bool(null, "rollback", "Rollback to previous specification");
            EnvAdd = f.String(null, "env-add", "Add or update an environment variable", "list");
            EnvRm = f.String(null, "env-rm", "Remove an environment variable", "list");
            LabelAdd = f.String(null, "label-add", "Add or update a service label", "list");
            LabelRm = f.String(null, "label-rm", "Remove a label by its key", "list");
            ContainerLabelAdd = f.String(null, "container-label-add", "Add or update a container label", "list");
            ContainerLabelRm = f.String(null, "container-label-rm", "Remove a container label by its key", "list");
            MountAdd = f.String(null, "mount-add", "Add or update a mount on a service", "mount");
            MountRm = f.String(null, "mount-rm", "Remove a mount by its target path", "list");
            PublishAdd = f.String(null, "publish-add", "Add or update a published port", "port");
            PublishRm = f.String(null, "publish-rm", "Remove a published port by its target port", "port");
            ConstraintAdd = f.String(null, "constraint-add", "Add or update a placement constraint", "list");
            ConstraintRm = f.String(null, "constraint-rm", "Remove a constraint", "list");
            PlacementPrefAdd = f.String(null, "placement-pref-add", "Add a placement preference", "pref");
            PlacementPrefRm = f.String(null, "placement-pref-rm", "Remove a placement preference", "pref");
        }
        Replicas = f.String(null, "replicas", "Number of tasks", "uint");
        ReplicasMaxPerNode = f.String(null, "replicas-max-per-node", "Maximum number of tasks per node (default 0 = unlimited)", "uint");
        Workdir = f.String("w", "workdir", "Working directory inside the container");
        User = f.String("u", "user", "Username or UID (format: <name|uid>[:<group|gid>])");
        Entrypoint = f.String(null, "entrypoint", "Overwrite the default ENTRYPOINT of the image", "command");
        Hostname = f.String(null, "hostname", "Container hostname");
        ReadOnly = f.Bool(null, "read-only", "Mount the container's root filesystem as read only");
        ReserveCpu = f.String(null, "reserve-cpu", "Reserve CPUs", "decimal");
        ReserveMemory = f.String(null, "reserve-memory", "Reserve Memory", "bytes");
        LimitCpu = f.String(null, "limit-cpu", "Limit CPUs", "decimal");
        LimitMemory = f.String(null, "limit-memory", "Limit Memory", "bytes");
        LimitPids = f.String(null, "limit-pids", "Limit maximum number of processes (default 0 = unlimited)", "int");
        RestartCondition = f.String(null, "restart-condition", "Restart when condition is met (\"none\", \"on-failure\", \"any\")");
        RestartDelay = f.String(null, "restart-delay", "Delay between restart attempts (ns|us|ms|s|m|h)", "duration");
        RestartMaxAttempts = f.String(null, "restart-max-attempts", "Maximum number of restarts before giving up", "uint");
        RestartWindow = f.String(null, "restart-window", "Window used to evaluate the restart policy (ns|us|ms|s|m|h)", "duration");
        Update = new UpdateFlags(f, "update");
        RollbackCfg = new UpdateFlags(f, "rollback");
        HealthCmd = f.String(null, "health-cmd", "Command to run to check health");
        HealthInterval = f.String(null, "health-interval", "Time between running the check (ms|s|m|h)", "duration");
        HealthTimeout = f.String(null, "health-timeout", "Maximum time to allow one check to run (ms|s|m|h)", "duration");
        HealthRetries = f.String(null, "health-retries", "Consecutive failures needed to report unhealthy", "int");
        HealthStartPeriod = f.String(null, "health-start-period", "Start period for the container to initialize before counting retries towards unstable (ms|s|m|h)", "duration");
        NoHealthcheck = f.Bool(null, "no-healthcheck", "Disable any container-specified HEALTHCHECK");
        StopGracePeriod = f.String(null, "stop-grace-period", "Time to wait before force killing a container (ns|us|ms|s|m|h)", "duration");
        StopSignal = f.String(null, "stop-signal", "Signal to stop the container");
    }

    /// <summary>--update-* or --rollback-* (the same set under two prefixes).</summary>
    internal sealed class UpdateFlags(FlagSet f, string p)
    {
        public string Prefix => p;
        public FlagSet.Flag Parallelism { get; } = f.String(null, p + "-parallelism", "Maximum number of tasks updated simultaneously (0 to update all at once)", "uint");
        public FlagSet.Flag Delay { get; } = f.String(null, p + "-delay", "Delay between updates (ns|us|ms|s|m|h)", "duration");
        public FlagSet.Flag FailureAction { get; } = f.String(null, p + "-failure-action", p == "update"
            ? "Action on update failure (\"pause\", \"continue\", \"rollback\")" : "Action on rollback failure (\"pause\", \"continue\")");
        public FlagSet.Flag Monitor { get; } = f.String(null, p + "-monitor", "Duration after each task update to monitor for failure (ns|us|ms|s|m|h)", "duration");
        public FlagSet.Flag MaxFailureRatio { get; } = f.String(null, p + "-max-failure-ratio", "Failure rate to tolerate during an update", "float");
        public FlagSet.Flag Order { get; } = f.String(null, p + "-order", "Update order (\"start-first\", \"stop-first\")");
    }

    public FlagSet Set { get; }
    public bool IsUpdate { get; }
    public FlagSet.Flag Detach { get; }
    public FlagSet.Flag Quiet { get; }
    public FlagSet.Flag WithRegistryAuth { get; }
    public FlagSet.Flag NoResolveImage { get; }
    public FlagSet.Flag? Name { get; }
    public FlagSet.Flag? Mode { get; }
    public FlagSet.Flag? Env { get; }
    public FlagSet.Flag? EnvFile { get; }
    public FlagSet.Flag? Label { get; }
    public FlagSet.Flag? ContainerLabel { get; }
    public FlagSet.Flag? Mount { get; }
    public FlagSet.Flag? Publish { get; }
    public FlagSet.Flag? Constraint { get; }
    public FlagSet.Flag? PlacementPref { get; }
    public FlagSet.Flag? Image { get; }
    public FlagSet.Flag? Args { get; }
    public FlagSet.Flag? Force { get; }
    public FlagSet.Flag? Rollback { get; }
    public FlagSet.Flag? EnvAdd { get; }
    public FlagSet.Flag? EnvRm { get; }
    public FlagSet.Flag? LabelAdd { get; }
    public FlagSet.Flag? LabelRm { get; }
    public FlagSet.Flag? ContainerLabelAdd { get; }
    public FlagSet.Flag? ContainerLabelRm { get; }
    public FlagSet.Flag? MountAdd { get; }
    public FlagSet.Flag? MountRm { get; }
    public FlagSet.Flag? PublishAdd { get; }
    public FlagSet.Flag? PublishRm { get; }
    public FlagSet.Flag? ConstraintAdd { get; }
    public FlagSet.Flag? ConstraintRm { get; }
    public FlagSet.Flag? PlacementPrefAdd { get; }
    public FlagSet.Flag? PlacementPrefRm { get; }
    public FlagSet.Flag Replicas { get; }
    public FlagSet.Flag ReplicasMaxPerNode { get; }
    public FlagSet.Flag Workdir { get; }
    public FlagSet.Flag User { get; }
    public FlagSet.Flag Entrypoint { get; }
    public FlagSet.Flag Hostname { get; }
    public FlagSet.Flag ReadOnly { get; }
    public FlagSet.Flag ReserveCpu { get; }
    public FlagSet.Flag ReserveMemory { get; }
    public FlagSet.Flag LimitCpu { get; }
    public FlagSet.Flag LimitMemory { get; }
    public FlagSet.Flag LimitPids { get; }
    public FlagSet.Flag RestartCondition { get; }
    public FlagSet.Flag RestartDelay { get; }
    public FlagSet.Flag RestartMaxAttempts { get; }
    public FlagSet.Flag RestartWindow { get; }
    public UpdateFlags Update { get; }
    public UpdateFlags RollbackCfg { get; }
    public FlagSet.Flag HealthCmd { get; }
    public FlagSet.Flag HealthInterval { get; }
    public FlagSet.Flag HealthTimeout { get; }
    public FlagSet.Flag HealthRetries { get; }
    public FlagSet.Flag HealthStartPeriod { get; }
    public FlagSet.Flag NoHealthcheck { get; }
    public FlagSet.Flag StopGracePeriod { get; }
    public FlagSet.Flag StopSignal { get; }
}
