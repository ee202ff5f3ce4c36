namespace Orch.Cli.Commands.Swarm;

/// <summary>The join instructions docker/cli prints after init and for join-token (printJoinCommand).</summary>
internal static class JoinInstructions
{
    public static string For(string role, string token, string managerAddr) =>
        $"To add a {role} to this swarm, run the following command:\n\n    orch swarm join --token {token} {managerAddr}\n\n";

    public static string AfterInit(string nodeId, string workerToken, string managerAddr) =>
        $"Swarm initialized: current node ({nodeId}) is now a manager.\n\n"
        + For("worker", workerToken, managerAddr)
        + "To add a manager to this swarm, run 'orch swarm join-token manager' and follow the instructions.\n\n";
}
