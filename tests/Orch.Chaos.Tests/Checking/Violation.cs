namespace Orch.Chaos.Tests.Checking;

/// <summary>The rules the checker enforces; see <see cref="HistoryChecker"/> for each one's reasoning.</summary>
public enum Rule
{
    /// <summary>The managers do not report the same labels / services.</summary>
    ManagersDisagree,
    /// <summary>A register's final value was never written, or was written only by a call that failed.</summary>
    PhantomValue,
    /// <summary>A register's final value is older than an acknowledged write: that write was lost.</summary>
    LostWrite,
    /// <summary>A service that was acknowledged as created (and not removed) is missing, or one acknowledged as removed is back.</summary>
    LostService,
    /// <summary>Two services carry one create call's name: a create applied twice.</summary>
    DuplicateService,
    /// <summary>A service's replica count was never asked for, or does not match the write that won its register.</summary>
    WrongReplicas,
    /// <summary>More tasks or containers of a service run than its replica count, or containers of a removed service run.</summary>
    OverReplicated,
    /// <summary>Fewer tasks or containers run than the replica count, or a node is not Ready again (not converged).</summary>
    NotConverged,
    /// <summary>A task is placed on a node id the cluster does not know, or a container runs on a machine outside it.</summary>
    TaskOffCluster,
    /// <summary>
    /// A call failed with an exception the daemon did not translate (gRPC's "Exception was thrown by handler"):
    /// control.proto promises a defined status for every failure, and such an answer hides whether the write applied.
    /// </summary>
    ServerError,
}

public sealed record Violation(Rule Rule, string Subject, string Detail)
{
    /// <summary>Rules about convergence, which the test may wait out (within a bound) before judging.</summary>
    public bool IsConvergence => Rule is Rule.NotConverged or Rule.OverReplicated;

    public override string ToString() => $"{Rule} {Subject}: {Detail}";
}
