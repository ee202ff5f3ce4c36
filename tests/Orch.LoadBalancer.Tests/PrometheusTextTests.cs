using Orch.Api.V1;
using Orch.Api.V1.Objects;

namespace Orch.LoadBalancer.Tests;

public sealed class PrometheusTextTests
{
    [Fact]
    public void Format_OneBackend_EveryMetricWithItsLabels()
    {
        var stats = new LoadBalancerStats
        {
            Ports =
            {
                new PortStats
                {
                    ServiceId = "s1", ServiceName = "we\"b", Protocol = PortProtocol.Tcp, PublishedPort = 8080, Listening = true,
                    Backends = { new BackendStats { TaskId = "t1", NodeId = "n1", Connections = 7, Active = 1, Failures = 2, BytesIn = 100, BytesOut = 2000 } },
                },
            },
        };

        var text = PrometheusText.Format(stats);

        const string labels = "{service=\"we\\\"b\",service_id=\"s1\",port=\"8080\",protocol=\"tcp\",task_id=\"t1\",node_id=\"n1\"}";
        Assert.Contains("# TYPE orch_lb_backend_connections_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains($"orch_lb_backend_connections_total{labels} 7\n", text, StringComparison.Ordinal);
        Assert.Contains($"orch_lb_backend_active_connections{labels} 1\n", text, StringComparison.Ordinal);
        Assert.Contains($"orch_lb_backend_connect_failures_total{labels} 2\n", text, StringComparison.Ordinal);
        Assert.Contains($"orch_lb_backend_received_bytes_total{labels} 100\n", text, StringComparison.Ordinal);
        Assert.Contains($"orch_lb_backend_sent_bytes_total{labels} 2000\n", text, StringComparison.Ordinal);
    }
}
