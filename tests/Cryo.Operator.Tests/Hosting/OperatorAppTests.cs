using Cryo.Operator.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cryo.Operator.Tests.Hosting;

public sealed class OperatorAppTests
{
    [Fact]
    public async Task Operator_Should_ServeHealthReadinessAndMetrics()
    {
        // Arrange
        await using var cluster = await OperatorHarness.StartAsync("node-1");
        await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "web", "node-1");
        var app = await cluster.StartOperatorAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var http = new HttpClient { BaseAddress = new Uri(address) };
        await cluster.CreateCheckpointAsync("web-1", new Api.CheckpointSpec { PodName = "web" });
        await cluster.WaitForCheckpointAsync("web-1", c => c.Status?.Phase == Api.Phase.Succeeded, "succeeded");

        // Act
        var health = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
        string metrics = "";
        await Eventually.TrueAsync(async () => (metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative))).Contains("cryo_operator_objects{kind=\"Checkpoint\",phase=\"Succeeded\"} 1"),
            "the phase gauge counts the Checkpoint");
        var ready = await http.GetAsync(new Uri("/readyz", UriKind.Relative));

        // Assert
        Assert.True(health.IsSuccessStatusCode);
        Assert.True(ready.IsSuccessStatusCode);
        Assert.Contains("cryo_operator_reconciles_total{kind=\"Checkpoint\",result=\"done\"}", metrics);
        Assert.Contains("cryo_operator_reconcile_duration_seconds_bucket{kind=\"Checkpoint\"", metrics);
        Assert.Contains("cryo_operator_queue_depth{kind=\"Checkpoint\"}", metrics);
        Assert.Contains("cryo_operator_agent_calls_total{method=\"Checkpoint\",code=\"ok\"} 1", metrics);
    }

    [Fact]
    public void Options_Should_FailAtStartup_NamingTheVariable_When_TlsFilesAreMissing()
    {
        // Arrange
        var app = OperatorApp.Build([], builder =>
        {
            builder.Logging.ClearProviders();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Operator:Tls:CertFile"] = "/nonexistent/tls.crt",
                ["Operator:AgentPort"] = "0",
            });
        });

        // Act
        var error = Assert.Throws<OptionsValidationException>(() => app.Services.GetRequiredService<IOptions<Cryo.Operator.Configuration.OperatorOptions>>().Value);

        // Assert
        Assert.Contains(error.Failures, f => f.Contains("Operator__Tls__CertFile: file /nonexistent/tls.crt does not exist"));
        Assert.Contains(error.Failures, f => f.Contains("Operator__Tls__CaFile must name a PEM file"));
        Assert.Contains(error.Failures, f => f.Contains("Operator__AgentPort must be a TCP port"));
    }
}
