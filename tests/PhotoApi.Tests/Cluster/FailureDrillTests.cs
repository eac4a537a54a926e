using Xunit.Abstractions;

namespace PhotoApi.Tests.Cluster;

/// <summary>
/// Real faults under steady traffic through HAProxy: an API process killed, PostgreSQL restarted behind PgBouncer. Counts
/// are asserted, never timings. Each drill leaves the cluster whole again for the next.
/// </summary>
[Trait("Category", "Cluster")]
[Collection(ClusterCollection.Name)]
public sealed class FailureDrillTests(RunningCluster cluster, ITestOutputHelper output)
{
    private const int Before = 0, During = 1, After = 2;

    [Fact]
    public async Task OneInstanceKilledUnderLoad_FailsAtMostTheRequestsInFlight_AndTheOthersServeWithoutIntervention()
    {
        await AllInstancesUpAsync();
        var load = await ClusterLoad.StartAsync(cluster, workers: 8, firstAddress: 10);
        bool markedDown, served;
        try
        {
            Assert.True(await load.WaitForSuccessesAsync(Before, 100), "The load never got going.");
            load.EnterPhase(During);
            cluster.KillInstance(2);
            markedDown = await cluster.WaitForBackendAsync("api-2", "DOWN");
            load.EnterPhase(After);
            served = await load.WaitForSuccessesAsync(After, 200);
        }
        finally
        {
            await load.StopAsync();
            // Started again, the instance is taken back by the health check (and the next drill has three again).
            await cluster.StartAsync();
        }
        var takenBack = await cluster.WaitForBackendAsync("api-2", "UP");

        var failures = load.Outcomes.Where(o => !o.Succeeded).ToList();
        output.WriteLine($"{load.Outcomes.Count} requests, {failures.Count} failed: {string.Join(", ", failures.Select(f => $"{f.Phase}-{f.EndedIn} {f.Method} {(int?)f.Status} {f.ContentType}"))}");
        Assert.True(markedDown, "HAProxy's health check never marked the killed instance DOWN.");
        Assert.True(served, "The remaining instances did not serve the load.");
        Assert.DoesNotContain(failures, f => f.EndedIn == Before);   // all was well until the fault
        // One request at a time per worker: at most that many were in flight on the killed instance. HAProxy retries only
        // refused connections (never a request it sent), so new requests to the dead instance went to the others.
        Assert.InRange(failures.Count, 0, load.Workers);
        // Each is HAProxy's 502 problem, or the connection to HAProxy closed without an answer (it then had no complete
        // answer to give): never a request silently sent to another instance.
        Assert.All(failures, f => Assert.True(f.Status is null || (f.Status == HttpStatusCode.BadGateway && f.ContentType == "application/problem+json"),
            $"{f.Method}: {(int?)f.Status} {f.ContentType}"));
        Assert.DoesNotContain(failures, f => f.Phase == After);
        Assert.True(takenBack, "The restarted instance was not taken back.");
    }

    [Fact]
    public async Task PostgresRestartsBehindPgBouncer_UnderLoad_TheServiceRecoversAlone_AndNoAcknowledgedWriteIsLost()
    {
        await AllInstancesUpAsync();
        var load = await ClusterLoad.StartAsync(cluster, workers: 6, firstAddress: 30);
        bool recovered, served;
        try
        {
            Assert.True(await load.WaitForSuccessesAsync(Before, 60), "The load never got going.");
            load.EnterPhase(During);
            await cluster.StopPostgresAsync();
            await Task.Delay(TimeSpan.FromSeconds(2));
            await cluster.StartAsync();   // PostgreSQL again, on its port; PgBouncer and the instances are untouched
            recovered = await AllInstancesUpAsync(assert: false);
            load.EnterPhase(After);
            served = await load.WaitForSuccessesAsync(After, 100);
        }
        finally
        {
            await load.StopAsync();
            await cluster.StartAsync();   // whatever happens, PostgreSQL runs again for the next drill
        }

        var failures = load.Outcomes.Where(o => !o.Succeeded).ToList();
        var lost = await load.LostWritesAsync();
        output.WriteLine($"{load.Outcomes.Count} requests, {load.Acknowledged} photos acknowledged, {failures.Count} failed: "
            + string.Join(", ", failures.GroupBy(f => $"{f.Method} {(int?)f.Status}").Select(g => $"{g.Key} x{g.Count()}")));
        Assert.True(recovered, "HAProxy did not see every instance ready again.");
        Assert.True(served, "The service did not serve again after PostgreSQL came back.");
        Assert.DoesNotContain(failures, f => f.EndedIn == Before);   // all was well until the fault
        // During the outage: 503 with a problem body (the API's, or HAProxy's while no instance is ready), nothing else.
        Assert.All(failures, f =>
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, f.Status);
            Assert.Equal("application/problem+json", f.ContentType);
        });
        Assert.DoesNotContain(failures, f => f.Phase == After);
        Assert.Empty(lost);
    }

    private async Task<bool> AllInstancesUpAsync(bool assert = true)
    {
        for (var i = 1; i <= cluster.Instances; i++)
        {
            var up = await cluster.WaitForBackendAsync($"api-{i}", "UP");
            if (assert)
            {
                Assert.True(up, $"api-{i} is not UP in HAProxy.");
            }
            else if (!up)
            {
                return false;
            }
        }
        return true;
    }
}
