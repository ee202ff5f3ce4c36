using Orch.Api.V1;
using Orch.Cli.Commands.Image;
using Orch.Cli.Output;

namespace Orch.Cli.Commands.System;

/// <summary>`system df -v`: docker's verbose template (images, containers, local volumes, build cache).</summary>
internal static class DfVerbose
{
    public static void Write(TextWriter w, SystemDfResponse r)
    {
        w.WriteLine("Images space usage:");
        w.WriteLine();
        var images = new Table("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS");
        foreach (var i in r.ImageDetails)
        {
            var names = i.RepoTags.Count > 0 ? i.RepoTags.Select(ListCommand.SplitTag).ToList() : [("<none>", "<none>")];
            foreach (var (repo, tag) in names)
            {
                images.Add(repo, tag, ListCommand.ShortId(i.Id), HumanUnits.Ago(i.CreatedUnix), DfCommand.Size(i.Size),
                    DfCommand.Size(i.SharedSize), DfCommand.Size(i.Size - i.SharedSize), i.Containers.ToString(DfCommand.Inv));
            }
        }
        images.WriteTo(w);
        w.WriteLine();
        w.WriteLine("Containers space usage:");
        w.WriteLine();
        var containers = new Table("CONTAINER ID", "IMAGE", "COMMAND", "LOCAL VOLUMES", "SIZE", "CREATED", "STATUS", "NAMES");
        foreach (var c in r.ContainerDetails)
        {
            containers.Add(c.Id[..Math.Min(12, c.Id.Length)], c.Image, Command(c.Command), c.LocalVolumes.ToString(DfCommand.Inv),
                DfCommand.Size(c.Size), HumanUnits.Ago(c.CreatedUnix), c.Status, c.Name);
        }
        containers.WriteTo(w);
        w.WriteLine();
        w.WriteLine("Local Volumes space usage:");
        w.WriteLine();
        var volumes = new Table("VOLUME NAME", "LINKS", "SIZE");
        foreach (var v in r.VolumeDetails)
        {
            volumes.Add(v.Name, v.Links.ToString(DfCommand.Inv), DfCommand.Size(v.Size));
        }
        volumes.WriteTo(w);
        w.WriteLine();
        w.WriteLine("Build cache usage: " + DfCommand.Size(r.BuildCache?.Size ?? 0));
        w.WriteLine();
        new Table("CACHE ID", "CACHE TYPE", "SIZE", "CREATED", "LAST USED", "USAGE", "SHARED").WriteTo(w);
    }

    /// <summary>Docker quotes the command and cuts it to 20 characters with an ellipsis.</summary>
    private static string Command(string command)
    {
        var quoted = "\"" + command.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        return quoted.Length > 20 ? quoted[..19] + "…" : quoted;
    }
}
