using Orch.Api.V1;
using Orch.Engine.Network;
using Orch.Engine.Runtime;

namespace Orch.Node.Api;

/// <summary>proto ContainerSpec → the engine's CreateOptions.</summary>
internal static class ContainerSpecs
{
    public static CreateOptions ToOptions(CreateContainerRequest r)
    {
        var s = r.Spec ?? throw new RuntimeException(RuntimeError.InvalidArgument, "missing container spec");
        if (string.IsNullOrEmpty(s.Image))
        {
            throw new RuntimeException(RuntimeError.InvalidArgument, "no image specified");
        }
        return new CreateOptions
        {
            Name = r.Name,
            Image = s.Image,
            Cmd = [.. s.Cmd],
            Entrypoint = [.. s.Entrypoint],
            EntrypointSet = s.EntrypointSet,
            Env = [.. s.Env],
            WorkingDir = s.WorkingDir,
            User = s.User,
            Hostname = s.Hostname,
            Mounts = [.. s.Mounts.Select(m => new MountRequest(m.Type, m.Source, m.Target, m.ReadOnly))],
            Ports = [.. s.Ports.Select(p => new PortBinding(p.HostIp, (int)p.HostPort, (int)p.ContainerPort, string.IsNullOrEmpty(p.Protocol) ? "tcp" : p.Protocol))],
            NetworkMode = s.NetworkMode,
            MemoryBytes = s.MemoryBytes,
            NanoCpus = s.NanoCpus,
            PidsLimit = s.PidsLimit,
            RestartPolicy = s.RestartPolicy?.Name ?? "",
            MaximumRetryCount = s.RestartPolicy?.MaximumRetryCount ?? 0,
            OpenStdin = s.OpenStdin,
            Tty = s.Tty,
            AutoRemove = s.AutoRemove,
            Init = s.Init,
            Labels = new Dictionary<string, string>(s.Labels),
            StopSignal = s.StopSignal,
            StopTimeout = s.StopTimeout,
        };
    }
}
