namespace Orch.Manager.Orchestration;

/// <summary>Random object ids: 25 base-36 characters (128 bits), as Swarm's.</summary>
internal static class ServiceIds
{
    public static string New() => Orch.Security.ObjectIds.New();
}
