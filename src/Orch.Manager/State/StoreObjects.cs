using Orch.Api.V1.Objects;

namespace Orch.Manager.State;

/// <summary>Kind-independent access to the id and meta of a <see cref="StoreObject"/>.</summary>
internal static class StoreObjects
{
    public static ObjectKind KindOf(StoreObject o) => o.KindCase switch
    {
        StoreObject.KindOneofCase.Node => ObjectKind.Node,
        StoreObject.KindOneofCase.Cluster => ObjectKind.Cluster,
        StoreObject.KindOneofCase.Service => ObjectKind.Service,
        StoreObject.KindOneofCase.Task => ObjectKind.Task,
        _ => ObjectKind.Unspecified,
    };

    public static string IdOf(StoreObject o) => o.KindCase switch
    {
        StoreObject.KindOneofCase.Node => o.Node.Id,
        StoreObject.KindOneofCase.Cluster => o.Cluster.Id,
        StoreObject.KindOneofCase.Service => o.Service.Id,
        StoreObject.KindOneofCase.Task => o.Task.Id,
        _ => "",
    };

    public static Meta? MetaOf(StoreObject o) => o.KindCase switch
    {
        StoreObject.KindOneofCase.Node => o.Node.Meta,
        StoreObject.KindOneofCase.Cluster => o.Cluster.Meta,
        StoreObject.KindOneofCase.Service => o.Service.Meta,
        StoreObject.KindOneofCase.Task => o.Task.Meta,
        _ => null,
    };

    public static void SetMeta(StoreObject o, Meta meta)
    {
        switch (o.KindCase)
        {
            case StoreObject.KindOneofCase.Node: o.Node.Meta = meta; break;
            case StoreObject.KindOneofCase.Cluster: o.Cluster.Meta = meta; break;
            case StoreObject.KindOneofCase.Service: o.Service.Meta = meta; break;
            case StoreObject.KindOneofCase.Task: o.Task.Meta = meta; break;
            default: throw new ArgumentException("store object has no kind", nameof(o));
        }
    }

    /// <summary>Lower-case noun used in messages ("node x1: …").</summary>
    public static string Noun(ObjectKind kind) => kind switch
    {
        ObjectKind.Node => "node",
        ObjectKind.Cluster => "cluster",
        ObjectKind.Service => "service",
        ObjectKind.Task => "task",
        _ => "object",
    };

    public static StoreObject Wrap(Node node) => new() { Node = node };

    public static StoreObject Wrap(Cluster cluster) => new() { Cluster = cluster };

    public static StoreObject Wrap(Service service) => new() { Service = service };

    public static StoreObject Wrap(Orch.Api.V1.Objects.Task task) => new() { Task = task };
}
