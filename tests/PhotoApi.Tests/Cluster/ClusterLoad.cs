using System.Collections.Concurrent;

namespace PhotoApi.Tests.Cluster;

/// <summary>
/// Steady traffic through HAProxy: a fixed number of workers, each a user of its own calling from an address of its own,
/// one request at a time (so at most <see cref="Workers"/> requests are ever in flight), alternating a write
/// (<c>POST /v1/photos</c>) and a read. Every answer is recorded with the phase of the drill in which its request started.
/// </summary>
public sealed class ClusterLoad
{
    // 50 ms between a worker's requests: ~20 a second at most, well inside a user's 600 a minute for a drill's length.
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(50);

    private readonly List<Worker> _workers;
    private readonly ConcurrentQueue<Outcome> _outcomes = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = [];
    private int _phase;

    private ClusterLoad(List<Worker> workers) => _workers = workers;

    public int Workers => _workers.Count;

    public IReadOnlyCollection<Outcome> Outcomes => _outcomes;

    /// <summary>Requests started from now on are recorded as started in <paramref name="phase"/>; answers from now on as ended in it.</summary>
    public void EnterPhase(int phase) => Volatile.Write(ref _phase, phase);

    /// <param name="firstAddress">Worker w calls from 127.0.0.(firstAddress + w).</param>
    public static async Task<ClusterLoad> StartAsync(RunningCluster cluster, int workers, byte firstAddress)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var list = new List<Worker>();
        for (var w = 0; w < workers; w++)
        {
            var token = await cluster.TokenAsync($"load-{run}-{w}", "photos.read photos.write");
            list.Add(new Worker(w, RunningCluster.ClientFrom((byte)(firstAddress + w), cluster.Url, token)));
        }
        var load = new ClusterLoad(list);
        load._running.AddRange(list.Select(worker => Task.Run(() => load.RunAsync(worker))));
        return load;
    }

    /// <summary>Waits until <paramref name="count"/> requests started in <paramref name="phase"/> succeeded (false after 60 s).</summary>
    public async Task<bool> WaitForSuccessesAsync(int phase, int count)
    {
        for (var i = 0; i < 600; i++)
        {
            if (_outcomes.Count(o => o.Phase == phase && o.Succeeded) >= count)
            {
                return true;
            }
            await Task.Delay(100);
        }
        return false;
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_running);
    }

    /// <summary>Every photo whose creation was acknowledged (201) and that its owner cannot read now.</summary>
    public async Task<List<string>> LostWritesAsync()
    {
        var lost = new List<string>();
        foreach (var worker in _workers)
        {
            foreach (var id in worker.Created)
            {
                var response = await worker.Client.GetAsync($"/v1/photos/{id}");
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    lost.Add($"{id}: {(int)response.StatusCode}");
                }
            }
        }
        return lost;
    }

    public int Acknowledged => _workers.Sum(w => w.Created.Count);

    private async Task RunAsync(Worker worker)
    {
        var n = 0;
        while (!_stop.IsCancellationRequested)
        {
            var phase = Volatile.Read(ref _phase);
            var write = n++ % 2 == 0;
            try
            {
                using var response = write
                    ? await worker.Client.PostAsJsonAsync("/v1/photos", new { title = $"load {worker.Number}-{n}" })
                    : await worker.Client.GetAsync("/v1/photos?pageSize=5");
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    worker.Created.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
                }
                _outcomes.Enqueue(new Outcome(phase, Volatile.Read(ref _phase), write ? "POST" : "GET", response.StatusCode, response.Content.Headers.ContentType?.MediaType));
            }
            catch (HttpRequestException exception)
            {
                _outcomes.Enqueue(new Outcome(phase, Volatile.Read(ref _phase), write ? "POST" : "GET", null, exception.InnerException?.Message ?? exception.Message));
            }
            try
            {
                await Task.Delay(Pause, _stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private sealed record Worker(int Number, HttpClient Client)
    {
        public ConcurrentBag<string> Created { get; } = [];
    }
}

/// <summary>
/// One answer: the drill phases its request started and ended in (a request started before a fault may end after it),
/// and its status (null: the connection failed, with why in <paramref name="ContentType"/>).
/// </summary>
public sealed record Outcome(int Phase, int EndedIn, string Method, HttpStatusCode? Status, string? ContentType)
{
    public bool Succeeded => Status is HttpStatusCode.OK or HttpStatusCode.Created;
}
