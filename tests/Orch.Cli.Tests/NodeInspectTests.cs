using Orch.Api.V1.Objects;
using Orch.Cli.Commands.Node;
using Orch.Cli.Output;

namespace Orch.Cli.Tests;

public sealed class NodeInspectTests
{
    private static readonly ManagerView Managers = new("10.77.0.1:2378", ["10.77.0.1:2378"]);

    [Fact]
    public void Pretty_LeaderWithLabels_DockerLayout()
    {
        var n = NodeFixtures.Node("aaaaaaaaaaaaaaaaaaaaaaaaa", "n1", NodeRole.Manager, raftAddr: "10.77.0.1:2378");
        n.Spec.Labels["zone"] = "a";
        n.Spec.Labels["ssd"] = "";

        Assert.Equal(
            "ID:\t\t\taaaaaaaaaaaaaaaaaaaaaaaaa\n" +
            "Labels:\n - ssd\n - zone=a\n" +
            "Hostname:              \tn1\n" +
            "Joined at:             \t2026-11-22 21:58:41.627418 +0000 UTC\n" +
            "Status:\n State:\t\t\tReady\n Availability:         \tActive\n Address:\t\t10.77.0.1\n" +
            "Manager Status:\n Address:\t\t10.77.0.1:2377\n Raft Status:\t\tReachable\n Leader:\t\tYes\n" +
            "Platform:\n Operating System:\tlinux\n Architecture:\t\tx86_64\n" +
            "Resources:\n CPUs:\t\t\t2\n Memory:\t\t1.954GiB\n" +
            "Engine Version:\t\t0.1.0\n" +
            "TLS Info:\n Certificate Expiry:\t2027-02-20 21:58:41 +0000 UTC",
            NodePretty.Render(n, Managers));
    }

    [Fact]
    public void Json_Worker_DockerShapeWithoutManagerStatus()
    {
        var n = NodeFixtures.Node("ddd", "n4", NodeRole.Worker, availability: NodeAvailability.Pause, k: 4);
        n.Spec.Labels["tier"] = "web";

        var json = InspectJson.Array([n], (w, node) => NodeJson.Write(w, node, Managers));

        Assert.Equal("""
            [
                {
                    "ID": "ddd",
                    "Version": {
                        "Index": 12
                    },
                    "CreatedAt": "2026-11-22T21:58:41.627418Z",
                    "UpdatedAt": "2026-11-22T21:59:41Z",
                    "Spec": {
                        "Labels": {
                            "tier": "web"
                        },
                        "Role": "worker",
                        "Availability": "pause"
                    },
                    "Description": {
                        "Hostname": "n4",
                        "Platform": {
                            "Architecture": "x86_64",
                            "OS": "linux"
                        },
                        "Resources": {
                            "NanoCPUs": 2000000000,
                            "MemoryBytes": 2098552832
                        },
                        "Engine": {
                            "EngineVersion": "0.1.0"
                        },
                        "TLSInfo": {
                            "CertExpiry": "2027-02-20T21:58:41Z"
                        }
                    },
                    "Status": {
                        "State": "ready",
                        "Addr": "10.77.0.4"
                    }
                }
            ]
            """, json);
    }

    [Fact]
    public void Json_Leader_HasManagerStatusWithLeaderTrue()
    {
        var n = NodeFixtures.Node("aaa", "n1", NodeRole.Manager, raftAddr: "10.77.0.1:2378");

        var json = InspectJson.Array([n], (w, node) => NodeJson.Write(w, node, Managers));

        Assert.Contains("""
                    "ManagerStatus": {
                        "Leader": true,
                        "Reachability": "reachable",
                        "Addr": "10.77.0.1:2377"
                    }
            """, json, StringComparison.Ordinal);
    }
}
