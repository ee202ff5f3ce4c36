namespace Orch.Chaos.Tests.Checking;

/// <summary>The checker on hand-made histories: clean ones pass, each kind of anomaly is flagged by its rule.</summary>
public sealed class HistoryCheckerTests
{
    private static long ids;

    private static OpRecord Label(string value, double start, double end, Outcome outcome, string node = "n4", string key = "k0") =>
        new(Interlocked.Increment(ref ids), 1, OpKind.SetNodeLabel, node, key, value, null, 1, S(start), S(end), outcome);

    private static OpRecord Svc(OpKind kind, string name, string value, double start, double end, Outcome outcome, int? replicas = null) =>
        new(Interlocked.Increment(ref ids), 1, kind, name, "", value, replicas, 1, S(start), S(end), outcome);

    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    private static NodeView Node(string host, params (string Key, string Value)[] labels) =>
        new("id-" + host, host, true, labels.ToDictionary(l => l.Key, l => l.Value));

    private static ManagerView View(int manager, IEnumerable<NodeView>? nodes = null, IEnumerable<ServiceView>? services = null, IEnumerable<TaskView>? tasks = null) =>
        new(manager, [.. nodes ?? [Node("n1"), Node("n4")]], [.. services ?? []], [.. tasks ?? []]);

    private static FinalState Final(params ManagerView[] views) => new(views, []);

    private static FinalState LabelFinal(string? value) =>
        Final(View(1, [Node("n1"), value is null ? Node("n4") : Node("n4", ("k0", value))]));

    [Fact]
    public void Check_LastAcknowledgedLabelWins_NoViolation()
    {
        var h = new[] { Label("a", 0, 1, Outcome.Acknowledged), Label("b", 2, 3, Outcome.Acknowledged) };
        Assert.Empty(HistoryChecker.Check(h, LabelFinal("b")));
    }

    [Fact]
    public void Check_ConcurrentAcknowledgedWrites_EitherMayWin()
    {
        var h = new[] { Label("a", 0, 3, Outcome.Acknowledged), Label("b", 1, 2, Outcome.Acknowledged) };
        Assert.Empty(HistoryChecker.Check(h, LabelFinal("a")));
        Assert.Empty(HistoryChecker.Check(h, LabelFinal("b")));
    }

    [Fact]
    public void Check_OlderAcknowledgedValueWins_LostWrite()
    {
        var h = new[] { Label("a", 0, 1, Outcome.Acknowledged), Label("b", 2, 3, Outcome.Acknowledged) };
        var v = Assert.Single(HistoryChecker.Check(h, LabelFinal("a")));
        Assert.Equal(Rule.LostWrite, v.Rule);
    }

    [Fact]
    public void Check_UnknownWriteWinsLate_Allowed()
    {
        // A write that timed out may be committed by the next leader long after the client gave up.
        var h = new[] { Label("a", 0, 1, Outcome.Unknown), Label("b", 2, 3, Outcome.Acknowledged) };
        Assert.Empty(HistoryChecker.Check(h, LabelFinal("a")));
        Assert.Empty(HistoryChecker.Check(h, LabelFinal("b")));
    }

    [Fact]
    public void Check_FailedWriteVisible_Phantom()
    {
        var h = new[] { Label("a", 0, 1, Outcome.Acknowledged), Label("b", 2, 3, Outcome.Failed) };
        var v = Assert.Single(HistoryChecker.Check(h, LabelFinal("b")));
        Assert.Equal(Rule.PhantomValue, v.Rule);
    }

    [Fact]
    public void Check_ValueNeverWritten_Phantom()
    {
        var h = new[] { Label("a", 0, 1, Outcome.Acknowledged) };
        Assert.Equal(Rule.PhantomValue, Assert.Single(HistoryChecker.Check(h, LabelFinal("zzz"))).Rule);
    }

    [Fact]
    public void Check_AcknowledgedLabelMissing_LostWrite()
    {
        var h = new[] { Label("a", 0, 1, Outcome.Acknowledged) };
        Assert.Equal(Rule.LostWrite, Assert.Single(HistoryChecker.Check(h, LabelFinal(null))).Rule);
    }

    [Fact]
    public void Check_OnlyUnknownOrFailedWrites_AbsentAllowed()
    {
        var h = new[] { Label("a", 0, 1, Outcome.Unknown), Label("b", 1, 2, Outcome.Failed) };
        Assert.Empty(HistoryChecker.Check(h, LabelFinal(null)));
    }

    [Fact]
    public void Check_DuplicateApplyAfterLaterWrite_LostWrite()
    {
        // a, then b (both acknowledged, in sequence), then a applied a second time: the final a is older than b.
        var h = new[] { Label("a", 0, 1, Outcome.Acknowledged), Label("b", 2, 3, Outcome.Acknowledged), Label("c", 4, 5, Outcome.Unknown) };
        Assert.Equal(Rule.LostWrite, Assert.Single(HistoryChecker.Check(h, LabelFinal("a"))).Rule);
    }

    [Fact]
    public void Check_ManagersDisagreeOnLabel_Flagged()
    {
        var h = new[] { Label("a", 0, 1, Outcome.Unknown), Label("b", 2, 3, Outcome.Unknown) };
        var final = Final(View(1, [Node("n1"), Node("n4", ("k0", "a"))]), View(2, [Node("n1"), Node("n4", ("k0", "b"))]));
        Assert.Equal(Rule.ManagersDisagree, Assert.Single(HistoryChecker.Check(h, final)).Rule);
    }

    [Fact]
    public void Check_CallAnsweredWithUnhandledException_ServerError()
    {
        var h = new[] { Label("a", 0, 1, Outcome.Unknown) with { Detail = "Unknown: Exception was thrown by handler." } };
        Assert.Equal(Rule.ServerError, Assert.Single(HistoryChecker.Check(h, LabelFinal("a"))).Rule);
    }

    [Fact]
    public void Check_MalformedHistory_Throws()
    {
        var h = new[] { Label("a", 0, 1, Outcome.Acknowledged), Label("a", 2, 3, Outcome.Acknowledged) };
        Assert.Throws<ArgumentException>(() => HistoryChecker.Check(h, LabelFinal("a")));
    }

    private static ServiceView Service(string name, int replicas, string register) => new("sid-" + name, name, replicas, register);

    private static TaskView RunningTask(string service, string node, int slot) =>
        new($"t-{service}-{slot}", "sid-" + service, "id-" + node, (ulong)slot, "Running", "Running");

    private static FinalState Services(IEnumerable<ServiceView> services, IEnumerable<TaskView>? tasks = null, IEnumerable<RunningContainer>? containers = null) =>
        new([View(1, services: services, tasks: tasks ?? [])], [.. containers ?? []]);

    private static (TaskView[] Tasks, RunningContainer[] Containers) Running(string service, params string[] nodes) =>
        (nodes.Select((n, i) => RunningTask(service, n, i + 1)).ToArray(),
         nodes.Select((n, i) => new RunningContainer(n, service, $"t-{service}-{i + 1}")).ToArray());

    [Fact]
    public void Check_ServiceCreatedScaledAndConverged_NoViolation()
    {
        var h = new[]
        {
            Svc(OpKind.CreateService, "s1", "c1", 0, 1, Outcome.Acknowledged, replicas: 1),
            Svc(OpKind.ScaleService, "s1", "u2", 2, 3, Outcome.Acknowledged, replicas: 2),
            Svc(OpKind.UpdateService, "s1", "u3", 4, 5, Outcome.Acknowledged),
        };
        var (tasks, containers) = Running("s1", "n1", "n4");
        Assert.Empty(HistoryChecker.Check(h, Services([Service("s1", 2, "u3")], tasks, containers)));
    }

    [Fact]
    public void Check_AcknowledgedCreateMissing_LostService()
    {
        var h = new[] { Svc(OpKind.CreateService, "s1", "c1", 0, 1, Outcome.Acknowledged, replicas: 1) };
        Assert.Equal(Rule.LostService, Assert.Single(HistoryChecker.Check(h, Services([]))).Rule);
    }

    [Fact]
    public void Check_CreateThenUnknownRemove_MissingAllowed()
    {
        var h = new[]
        {
            Svc(OpKind.CreateService, "s1", "c1", 0, 1, Outcome.Acknowledged, replicas: 1),
            Svc(OpKind.RemoveService, "s1", "r2", 2, 3, Outcome.Unknown),
        };
        Assert.Empty(HistoryChecker.Check(h, Services([])));
    }

    [Fact]
    public void Check_AcknowledgedRemoveUndone_LostService()
    {
        var h = new[]
        {
            Svc(OpKind.CreateService, "s1", "c1", 0, 1, Outcome.Acknowledged, replicas: 1),
            Svc(OpKind.RemoveService, "s1", "r2", 2, 3, Outcome.Acknowledged),
        };
        var (tasks, containers) = Running("s1", "n1");
        Assert.Contains(HistoryChecker.Check(h, Services([Service("s1", 1, "c1")], tasks, containers)), v => v.Rule == Rule.LostService);
    }

    [Fact]
    public void Check_CreateAppliedTwice_DuplicateService()
    {
        var h = new[] { Svc(OpKind.CreateService, "s1", "c1", 0, 1, Outcome.Unknown, replicas: 1) };
        var twice = new[] { Service("s1", 1, "c1"), new ServiceView("sid-other", "s1", 1, "c1") };
        Assert.Contains(HistoryChecker.Check(h, Services(twice)), v => v.Rule == Rule.DuplicateService);
    }

    [Fact]
    public void Check_FailedCreateExists_Phantom()
    {
        var h = new[] { Svc(OpKind.CreateService, "s1", "c1", 0, 1, Outcome.Failed, replicas: 1) };
        var (tasks, containers) = Running("s1", "n1");
        Assert.Contains(HistoryChecker.Check(h, Services([Service("s1", 1, "c1")], tasks, containers)), v => v.Rule == Rule.PhantomValue);
    }

    [Fact]
    public void Check_ScaleLost_LostWrite()
    {
        var h = new[]
        {
            Svc(OpKind.CreateService, "s1", "c1", 0, 1, Outcome.Acknowledged, replicas: 1),
            Svc(OpKind.ScaleService, "s1", "u2", 2, 3, Outcome.Acknowledged, replicas: 2),
        };
        var (tasks, containers) = Running("s1", "n1");
        var rules = HistoryChecker.Check(h, Services([Service("s1", 1, "c1")], tasks, containers)).Select(v => v.Rule).ToList();
        Assert.Equal([Rule.LostWrite], rules);
    }

    [Fact]
    public void Check_ReplicasDifferFromWinningScale_WrongReplicas()
    {
        var h = new[]
        {
            Svc(OpKind.CreateService, "s1", "c1", 0, 1, Outcome.Acknowledged, replicas: 1),
            Svc(OpKind.ScaleService, "s1", "u2", 2, 3, Outcome.Acknowledged, replicas: 2),
        };
        var (tasks, containers) = Running("s1", "n1");
        Assert.Equal([Rule.WrongReplicas], HistoryChecker.Check(h, Services([Service("s1", 1, "u2")], tasks, containers)).Select(v => v.Rule));
    }

    [Fact]
    public void Check_ExtraContainerRuns_OverReplicated()
    {
        var h = new[] { Svc(OpKind.CreateService, "s1", "c1", 0, 1, Outcome.Acknowledged, replicas: 1) };
        var (tasks, containers) = Running("s1", "n1");
        RunningContainer[] extra = [.. containers, new RunningContainer("n4", "s1", "t-stale")];
        var v = HistoryChecker.Check(h, Services([Service("s1", 1, "c1")], tasks, extra));
        Assert.NotEmpty(v);
        Assert.All(v, x => Assert.Equal(Rule.OverReplicated, x.Rule));
    }

    [Fact]
    public void Check_TooFewRunning_NotConverged()
    {
        var h = new[] { Svc(OpKind.CreateService, "s1", "c1", 0, 1, Outcome.Acknowledged, replicas: 2) };
        var (tasks, containers) = Running("s1", "n1");
        var v = Assert.Single(HistoryChecker.Check(h, Services([Service("s1", 2, "c1")], tasks, containers)));
        Assert.Equal(Rule.NotConverged, v.Rule);
        Assert.True(v.IsConvergence);
    }

    [Fact]
    public void Check_ContainerOfRemovedServiceRuns_OverReplicated()
    {
        var h = new[]
        {
            Svc(OpKind.CreateService, "s1", "c1", 0, 1, Outcome.Acknowledged, replicas: 1),
            Svc(OpKind.RemoveService, "s1", "r2", 2, 3, Outcome.Acknowledged),
        };
        var v = Assert.Single(HistoryChecker.Check(h, Services([], [], [new RunningContainer("n4", "s1", "t-s1-1")])));
        Assert.Equal(Rule.OverReplicated, v.Rule);
    }

    [Fact]
    public void Check_TaskOnUnknownNode_TaskOffCluster()
    {
        var h = new[] { Svc(OpKind.CreateService, "s1", "c1", 0, 1, Outcome.Acknowledged, replicas: 1) };
        var (tasks, containers) = Running("s1", "n1");
        TaskView[] ghost = [.. tasks, new TaskView("t-ghost", "sid-s1", "id-gone", 2, "Running", "Running")];
        Assert.Contains(HistoryChecker.Check(h, Services([Service("s1", 1, "c1")], ghost, containers)), v => v.Rule == Rule.TaskOffCluster);
    }

    [Fact]
    public void Check_NodeNotReadyAfterRepair_NotConverged()
    {
        var final = Final(View(1, [Node("n1"), Node("n4") with { Ready = false }]));
        var v = Assert.Single(HistoryChecker.Check([], final));
        Assert.Equal(Rule.NotConverged, v.Rule);
        Assert.Contains("n4", v.Subject);
    }

    [Fact]
    public void Check_ContainerOnMachineOutsideCluster_TaskOffCluster()
    {
        var h = new[] { Svc(OpKind.CreateService, "s1", "c1", 0, 1, Outcome.Acknowledged, replicas: 1) };
        var (tasks, _) = Running("s1", "n1");
        var v = HistoryChecker.Check(h, Services([Service("s1", 1, "c1")], tasks, [new RunningContainer("n9", "s1", "t-s1-1")]));
        Assert.Contains(v, x => x.Rule == Rule.TaskOffCluster);
    }
}
