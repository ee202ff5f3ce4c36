using Google.Protobuf.Collections;
using Orch.Api.V1.Objects;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Service;

internal static partial class ServiceSpecBuilder
{
    /// <summary>
    /// <c>service update</c>: a copy of <paramref name="current"/> with the given flags applied. As docker/cli,
    /// every <c>-rm</c> is applied before the matching <c>-add</c>, so <c>--env-rm A --env-add A=2</c> sets A=2.
    /// </summary>
    public static ServiceSpec Update(ServiceFlags f, ServiceSpec current)
    {
        var cmd = f.Set.Command;
        var spec = current.Clone();
        var t = spec.TaskTemplate ??= new TaskSpec();
        var c = t.Container ??= new ContainerSpec();
        if (f.Image!.Value() is { } image)
        {
            c.Image = image;
            c.ImageDigest = "";
        }
        if (f.Args!.Value() is { } args)
        {
            c.Args.Clear();
            c.Args.AddRange(ServiceOptions.Words(args));
        }
        // Env: KEY=VALUE entries keyed by KEY.
        foreach (var key in f.EnvRm!.Values)
        {
            RemoveAll(c.Env, e => ServiceOptions.KeyValue(e).Key == key);
        }
        foreach (var e in f.EnvAdd!.Values)
        {
            var key = ServiceOptions.KeyValue(e).Key;
            RemoveAll(c.Env, x => ServiceOptions.KeyValue(x).Key == key);
            c.Env.Add(e);
        }
        EditMap(spec.Labels, f.LabelRm!, f.LabelAdd!);
        EditMap(c.Labels, f.ContainerLabelRm!, f.ContainerLabelAdd!);
        // Mounts keyed by target path.
        foreach (var target in f.MountRm!.Values)
        {
            RemoveAll(c.Mounts, m => m.Target == target);
        }
        foreach (var v in f.MountAdd!.Values)
        {
            var m = ServiceOptions.Mount(cmd, "mount-add", v);
            RemoveAll(c.Mounts, x => x.Target == m.Target);
            c.Mounts.Add(m);
        }
        // Ports: --publish-rm takes the target port (and optional /protocol); --publish-add replaces a
        // port with the same published port and protocol, or the same target when nothing is published.
        if (f.PublishRm!.Set || f.PublishAdd!.Set)
        {
            var ports = (spec.Endpoint ??= new EndpointSpec()).Ports;
            foreach (var v in f.PublishRm.Values)
            {
                var rm = ServiceOptions.Port(cmd, "publish-rm", v);
                RemoveAll(ports, p => p.TargetPort == rm.TargetPort && (rm.PublishedPort == 0 || p.PublishedPort == rm.PublishedPort) && p.Protocol == rm.Protocol);
            }
            foreach (var v in f.PublishAdd!.Values)
            {
                var add = ServiceOptions.Port(cmd, "publish-add", v);
                RemoveAll(ports, p => p.Protocol == add.Protocol && (add.PublishedPort != 0
                    ? p.PublishedPort == add.PublishedPort : p.PublishedPort == 0 && p.TargetPort == add.TargetPort));
                ports.Add(add);
            }
        }
        if (f.ConstraintRm!.Set || f.ConstraintAdd!.Set || f.PlacementPrefRm!.Set || f.PlacementPrefAdd!.Set)
        {
            var p = Placement(t);
            foreach (var v in f.ConstraintRm.Values)
            {
                RemoveAll(p.Constraints, x => Normalize(x) == Normalize(v));
            }
            foreach (var v in f.ConstraintAdd!.Values)
            {
                if (!p.Constraints.Any(x => Normalize(x) == Normalize(v)))
                {
                    p.Constraints.Add(v);
                }
            }
            foreach (var v in f.PlacementPrefRm!.Values)
            {
                var rm = ServiceOptions.Preference(cmd, "placement-pref-rm", v);
                RemoveAll(p.Preferences, x => x.SpreadDescriptor == rm.SpreadDescriptor);
            }
            p.Preferences.AddRange(f.PlacementPrefAdd!.Values.Select(v => ServiceOptions.Preference(cmd, "placement-pref-add", v)));
        }
        ApplyScalars(f, spec);
        return spec;
    }

    private static void EditMap(MapField<string, string> map, FlagSet.Flag rm, FlagSet.Flag add)
    {
        foreach (var key in rm.Values)
        {
            map.Remove(ServiceOptions.KeyValue(key).Key);
        }
        foreach (var v in add.Values)
        {
            var (k, val) = ServiceOptions.KeyValue(v);
            map[k] = val;
        }
    }

    private static string Normalize(string constraint) => constraint.Replace(" ", "", StringComparison.Ordinal);

    private static void RemoveAll<T>(RepeatedField<T> list, Func<T, bool> match)
    {
        for (var i = list.Count - 1; i >= 0; i--)
        {
            if (match(list[i]))
            {
                list.RemoveAt(i);
            }
        }
    }
}
