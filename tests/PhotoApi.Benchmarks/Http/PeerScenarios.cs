using System.Diagnostics;
using System.Globalization;
using System.Net;
using Npgsql;

namespace PhotoApi.Benchmarks.Http;

/// <summary>A measured second of a timeline run: requests answered, and the longest gap between two responses.</summary>
public sealed record TimelineResult(string Key, string Description, Timeline Timeline, TimeSpan? Startup, IReadOnlyList<string> Notes);

/// <summary>
/// The shipped PhotoApi (the published app with its appsettings.json, ASPNETCORE_ENVIRONMENT=Production) against its peers
/// (Peers/StockDotnet, Peers/node), all trusting the same loopback issuer and reading the same database, in alternating
/// rounds: P (one hot token; 20,000 distinct users), F (DPoP against Bearer), O (opaque tokens against JWTs), T (OpenTelemetry
/// with an OTLP exporter against none), S (a long run's per-second stalls, and the first seconds of a fresh process).
/// </summary>
public static class PeerScenarios
{
    private const string PagingKey = "YmVuY2gtcGFnaW5nLWtleS1iZW5jaC1wYWdpbmcta2V5LTMyYg==";

    public sealed record Data(string LuaFile, IReadOnlyList<(string Subject, Guid Photo)> Items, IReadOnlyDictionary<string, string> Tokens, SeedSize Size);

    private sealed record Entry(string Key, string Short, string Description, HostProcess Target, string Items);

    public static async Task<(IReadOnlyList<ScenarioResult> Results, IReadOnlyList<TimelineResult> Timelines)> RunAsync(
        SuiteOptions options, TestIssuer issuer, string connectionString, Data data, string? pgLog, List<string> failures)
    {
        var results = new List<ScenarioResult>();
        var timelines = new List<TimelineResult>();
        var apps = Path.Combine(options.RepoRoot, ".data", "bench-apps");
        var logs = Path.Combine(options.RepoRoot, ".data", "bench-logs");
        var work = Path.Combine(options.RepoRoot, ".data", "bench-items");
        Directory.CreateDirectory(work);
        var lua = Path.Combine(AppContext.BaseDirectory, "lua");
        Wrk WrkFor(HostProcess target) => new(target.BaseUrl, lua, data.LuaFile, options.Threads, options.Connections);

        var hotSubject = Seeder.Subject(2);
        var hotItems = await WriteItemsAsync(work, "hot", data.Items.Where(i => i.Subject == hotSubject).Select(i => (data.Tokens[i.Subject], i.Photo)));
        var mixItems = await WriteItemsAsync(work, "users100", data.Items.Select(i => (data.Tokens[i.Subject], i.Photo)));

        Console.WriteLine("== Peers: the shipped PhotoApi, stock .NET, Node (same issuer, same database) ==");
        // --dpop-replay-cache PostgreSql: scenario F with the shared replay cache instead of the in-process one.
        await using var photoApi = await StartShippedAsync("photoapi", apps, options.Port + 2, issuer, connectionString, logs,
            options.DpopReplayCache.Equals("InProcess", StringComparison.OrdinalIgnoreCase) ? [] : new() { ["Auth__Dpop__ReplayCache"] = options.DpopReplayCache });
        await using var stock = await StartStockAsync(apps, options.Port + 3, issuer, connectionString, logs);
        await using var node = await StartNodeAsync(options.RepoRoot, options.Port + 4, issuer, connectionString, logs);

        var hot = data.Items.First(i => i.Subject == hotSubject);
        foreach (var api in new[] { photoApi, stock, node })
        {
            await PrimeAsync(api, data.Tokens[hotSubject], hot.Photo);
        }

        var users = options.Smoke ? Math.Min(190, data.Size.Users - 1) : 20_000;
        Console.WriteLine($"  minting {users:N0} tokens for {users:N0} distinct users...");
        var manyItems = await WriteItemsAsync(work, "users20k", MintUsers(issuer, data.Size, users));

        if (options.Scenarios.Contains("P"))
        {
            Entry[] hotToken =
            [
                new("P1-PhotoApi", "hot token\nPhotoApi", "one hot token: PhotoApi as shipped", photoApi, hotItems),
                new("P1-Stock", "hot token\nstock .NET", "one hot token: stock .NET (AddJwtBearer + Dapper)", stock, hotItems),
                new("P1-Node", "hot token\nNode", "one hot token: Node (fastify + jose + pg)", node, hotItems),
            ];
            Entry[] many =
            [
                new("P2-PhotoApi", "20k users\nPhotoApi", $"{users:N0} distinct users' tokens round-robin: PhotoApi as shipped", photoApi, manyItems),
                new("P2-Stock", "20k users\nstock .NET", $"{users:N0} distinct users' tokens round-robin: stock .NET", stock, manyItems),
                new("P2-Node", "20k users\nNode", $"{users:N0} distinct users' tokens round-robin: Node", node, manyItems),
            ];
            results.AddRange(await AlternateAsync(options, [.. hotToken, .. many], WrkFor, failures));
        }

        if (options.Scenarios.Contains("F"))
        {
            results.AddRange(await DpopScenario.RunAsync(options, WrkFor(photoApi), photoApi, issuer, data.Items, failures));
        }

        if (options.Scenarios.Contains("O"))
        {
            Console.WriteLine("== O: opaque tokens (RFC 7662 introspection, cached) against JWTs, PhotoApi as shipped ==");
            var opaqueTokens = data.Tokens.Keys.ToDictionary(s => s, issuer.MintOpaque, StringComparer.Ordinal);
            var opaqueItems = await WriteItemsAsync(work, "opaque", data.Items.Select(i => (opaqueTokens[i.Subject], i.Photo)));
            results.AddRange(await AlternateAsync(options,
            [
                new("O1", "O\nJWT", "100 users' JWTs (O's baseline, rounds alternating with O2)", photoApi, mixItems),
                new("O2", "O\nopaque", "the same users with opaque tokens, introspection answers cached", photoApi, opaqueItems),
            ], WrkFor, failures));
        }

        if (options.Scenarios.Contains("T"))
        {
            Console.WriteLine("== T: OpenTelemetry with an OTLP exporter (loopback collector) against none ==");
            await using var collector = await OtlpSink.StartAsync(options.Port + 6);
            await using var traced = await StartShippedAsync("photoapi-otel", apps, options.Port + 5, issuer, connectionString, logs, new()
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint,
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            });
            await PrimeAsync(traced, data.Tokens[hotSubject], hot.Photo);
            results.AddRange(await AlternateAsync(options,
            [
                new("T1", "T\nno OTel", "one hot token, PhotoApi as shipped (OpenTelemetry off: no endpoint)", photoApi, hotItems),
                new("T2", "T\nOTLP on", "the same with OTEL_EXPORTER_OTLP_ENDPOINT set (traces + metrics to a loopback collector)", traced, hotItems),
            ], WrkFor, failures));
            Console.WriteLine($"  collector received {collector.Requests:N0} exports, {collector.Bytes / 1024.0 / 1024.0:0.0} MiB");
            if (collector.Requests == 0)
            {
                failures.Add("T: the OTLP collector received nothing from the traced API.");
            }
        }

        if (options.Scenarios.Contains("S"))
        {
            var length = options.Smoke ? options.Duration : TimeSpan.FromSeconds(60);
            Console.WriteLine($"== S: stalls in a {length.TotalSeconds:0} s run (hot token, PhotoApi as shipped, warm) ==");
            var stall = await WrkFor(photoApi).RunAsync("token-photos.lua", length, Items(hotItems), timeline: true);
            Suite.Check("S (stalls)", stall, failures);
            results.Add(new ScenarioResult("S", "S\n60 s run", $"one hot token for {length.TotalSeconds:0} s (per-second timeline)", stall, photoApi.PeakMemoryBytes()));
            timelines.Add(new TimelineResult("S", $"{length.TotalSeconds:0} s of one hot token against the warm shipped PhotoApi", RequireTimeline(stall, "S", failures),
                null, Checkpoints(pgLog, stall.Timeline)));

            foreach (var (name, environment) in StartupVariants(options))
            {
                Console.WriteLine($"== S: the first seconds of a fresh PhotoApi ({name}) ==");
                var fresh = Stopwatch.StartNew();
                await using var cold = await StartShippedAsync($"photoapi-cold-{Slug(name)}", apps, options.Port + 7, issuer, connectionString, logs, environment);
                var firstSeconds = await WrkFor(cold).RunAsync("token-photos.lua", options.Smoke ? options.Duration : TimeSpan.FromSeconds(30), Items(hotItems), timeline: true);
                Suite.Check($"S (start-up, {name})", firstSeconds, failures);
                timelines.Add(new TimelineResult($"start-up: {name}", $"a fresh process ({name}), loaded from its first answer", RequireTimeline(firstSeconds, "start-up", failures),
                    cold.StartupTime, []));
                Console.WriteLine($"  answered after {cold.StartupTime.TotalSeconds:0.00} s; {firstSeconds.RequestsPerSecond:N0} req/s over the run ({fresh.Elapsed.TotalSeconds:0} s)");
            }
        }
        return (results, timelines);
    }

    /// <summary>
    /// One request as the hot user before any load: each API fetches the issuer's metadata and keys on its first token, and
    /// every API must answer the same photo (the same query on the same database), or the comparison is void.
    /// </summary>
    private static async Task PrimeAsync(HostProcess api, string token, Guid photo)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{api.BaseUrl}/v1/photos/{photo}");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        using var json = response.IsSuccessStatusCode ? System.Text.Json.JsonDocument.Parse(body) : null;
        if (json?.RootElement.TryGetProperty("id", out var id) != true || id.GetString() != photo.ToString())
        {
            throw new BenchmarkFailedException($"{api.Name}: GET /v1/photos/{photo} as the hot user answered {(int)response.StatusCode} {body}");
        }
    }

    /// <summary>Each entry warmed once, then rounds of every entry in turn, so a slow spell on the shared machine falls on all of them.</summary>
    private static async Task<IReadOnlyList<ScenarioResult>> AlternateAsync(SuiteOptions options, Entry[] entries, Func<HostProcess, Wrk> wrkFor, List<string> failures)
    {
        foreach (var e in entries)
        {
            Suite.Check(e.Key + " (warm-up)", await wrkFor(e.Target).RunAsync("token-photos.lua", options.Warmup, Items(e.Items)), failures);
        }
        var rounds = entries.ToDictionary(e => e.Key, _ => new List<WrkSummary>());
        var peaks = entries.ToDictionary(e => e.Key, _ => 0L);
        var logBytes = entries.ToDictionary(e => e.Key, _ => 0L);
        for (var round = 0; round < options.Rounds; round++)
        {
            foreach (var e in entries)
            {
                e.Target.ResetPeakMemory();
                var before = e.Target.LogVolume.Bytes;
                var summary = await wrkFor(e.Target).RunAsync("token-photos.lua", options.Duration, Items(e.Items));
                logBytes[e.Key] += e.Target.LogVolume.Bytes - before;
                Suite.Check(e.Key, summary, failures);
                rounds[e.Key].Add(summary);
                peaks[e.Key] = Math.Max(peaks[e.Key], e.Target.PeakMemoryBytes());
                Console.WriteLine($"  {e.Key,-11} round {round + 1}: {summary.RequestsPerSecond,9:N0} req/s  p50 {summary.P50Us / 1000.0,7:0.00} ms  p99 {summary.P99Us / 1000.0,7:0.00} ms  errors {summary.Errors}  load {Suite.LoadAverage()}");
            }
        }
        return entries.Select(e =>
        {
            var total = WrkSummary.Combine(rounds[e.Key]);
            Console.WriteLine($"  {e.Key,-11} all      {total.RequestsPerSecond,9:N0} req/s  p99 {total.P99Us / 1000.0,7:0.00} ms  peak RSS {peaks[e.Key] / 1048576.0:0} MB  log {(double)logBytes[e.Key] / Math.Max(1, total.Requests):0.0} B/request");
            return new ScenarioResult(e.Key, e.Short, e.Description, total, peaks[e.Key]) { LogBytesPerRequest = (double)logBytes[e.Key] / Math.Max(1, total.Requests) };
        }).ToList();
    }

    /// <summary>The published PhotoApi as an operator runs it: its own folder as the working directory (appsettings.json), Production.</summary>
    public static Task<HostProcess> StartShippedAsync(string name, string apps, int port, TestIssuer issuer, string connectionString, string logs, Dictionary<string, string> extra)
    {
        var directory = Path.Combine(apps, extra.ContainsKey(ReadyToRunVariable) ? "photoapi-r2r" : "photoapi");
        var info = Dotnet(Path.Combine(directory, "PhotoApi.dll"), directory);
        var url = $"http://127.0.0.1:{port}";
        foreach (var (key, value) in new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = url,
            ["ConnectionStrings__Photos"] = connectionString,
            ["Auth__Authority"] = issuer.Authority,
            ["Auth__RequireHttpsMetadata"] = "false",
            ["Auth__ResourceUri"] = url,
            ["Paging__TokenKey"] = PagingKey,
            // The per-caller limiters stay in the pipeline (their cost is measured) but must not throttle the load generator.
            ["RateLimits__PermitsPerWindow"] = "1000000000",
            ["RateLimits__AnonymousPermitsPerWindow"] = "1000000000",
            ["RateLimits__AddressPermitsPerWindow"] = "1000000000",
            // Scenario O: opaque tokens are introspected at the loopback issuer; JWTs stay local (Auth__Introspection__Jwts=Never).
            ["Auth__Introspection__ClientId"] = "photo-api",
            ["Auth__Introspection__ClientSecret"] = "photo-api-secret",
            ["Auth__IntrospectionCalls__PermitsPerSecond"] = "100000",
            ["Auth__IntrospectionCalls__Burst"] = "100000",
        })
        {
            info.Environment[key] = value;
        }
        foreach (var (key, value) in extra.Where(e => e.Key != ReadyToRunVariable))
        {
            info.Environment[key] = value;
        }
        return HostProcess.StartAsync(name, info, url, logs);
    }

    private static Task<HostProcess> StartStockAsync(string apps, int port, TestIssuer issuer, string connectionString, string logs)
    {
        var directory = Path.Combine(apps, "stock-dotnet");
        var info = Dotnet(Path.Combine(directory, "StockDotnet.dll"), directory);
        var url = $"http://127.0.0.1:{port}";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["ASPNETCORE_URLS"] = url;
        info.Environment["ConnectionStrings__Photos"] = connectionString;
        info.Environment["Auth__Authority"] = issuer.Authority;
        info.Environment["Auth__RequireHttpsMetadata"] = "false";
        return HostProcess.StartAsync("stock-dotnet", info, url, logs);
    }

    private static Task<HostProcess> StartNodeAsync(string repo, int port, TestIssuer issuer, string connectionString, string logs)
    {
        var directory = Path.Combine(repo, "tests", "PhotoApi.Benchmarks", "Peers", "node");
        if (!Directory.Exists(Path.Combine(directory, "node_modules")))
        {
            throw new BenchmarkFailedException($"{directory}/node_modules is missing: scripts/bench.sh runs npm ci there.");
        }
        var info = new ProcessStartInfo("node") { WorkingDirectory = directory };
        info.ArgumentList.Add("server.js");
        var db = new NpgsqlConnectionStringBuilder(connectionString);
        info.Environment["NODE_ENV"] = "production";
        info.Environment["PORT"] = $"{port}";
        info.Environment["ISSUER"] = issuer.Authority;
        info.Environment["PGHOST"] = db.Host;
        info.Environment["PGPORT"] = $"{db.Port}";
        info.Environment["PGUSER"] = db.Username;
        info.Environment["PGPASSWORD"] = db.Password;
        info.Environment["PGDATABASE"] = db.Database;
        return HostProcess.StartAsync("node", info, $"http://127.0.0.1:{port}", logs);
    }

    private static ProcessStartInfo Dotnet(string dll, string directory)
    {
        if (!File.Exists(dll))
        {
            throw new BenchmarkFailedException($"{dll} is missing: scripts/bench.sh publishes the APIs into .data/bench-apps.");
        }
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = directory };
        info.ArgumentList.Add(dll);
        return info;
    }

    /// <summary>Marks the start-up variant that runs the ReadyToRun publish (.data/bench-apps/photoapi-r2r) instead of the plain one.</summary>
    private const string ReadyToRunVariable = "BENCH_READY_TO_RUN";

    /// <summary>The shipped settings always; more with <c>--startup-variants "name:VAR=value,VAR=value;..."</c> (<c>r2r</c>: the ReadyToRun publish).</summary>
    private static IEnumerable<(string Name, Dictionary<string, string> Environment)> StartupVariants(SuiteOptions options)
    {
        yield return ("as shipped", []);
        foreach (var variant in (options.StartupVariants ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (name, settings) = variant.Split(':', 2) is [var n, var s] ? (n, s) : (variant, variant);
            var environment = settings.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => s == "r2r" ? [ReadyToRunVariable, "1"] : s.Split('=', 2))
                .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal);
            yield return (name, environment);
        }
    }

    private static string Slug(string name) => new([.. name.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-')]);

    private static Dictionary<string, string> Items(string path) => new() { ["BENCH_ITEMS"] = path };

    private static Timeline RequireTimeline(WrkSummary summary, string scenario, List<string> failures)
    {
        if (summary.Timeline is { Seconds.Count: > 0 } timeline)
        {
            return timeline;
        }
        failures.Add($"{scenario}: wrk wrote no per-second timeline.");
        return new Timeline(0, []);
    }

    /// <summary>User n (2..users+1) and the first photo the seeder gave it (photo heavy + n − 1: see Seeder.InsertAsync).</summary>
    private static IEnumerable<(string Token, Guid Photo)> MintUsers(TestIssuer issuer, SeedSize size, int users)
    {
        var tokens = new string[users];
        Parallel.For(0, users, k => tokens[k] = issuer.Mint(Seeder.Subject(k + 2)));
        return tokens.Select((token, k) => (token, Seeder.PhotoId(size.HeavyUserPhotos + k + 1)));
    }

    private static async Task<string> WriteItemsAsync(string directory, string name, IEnumerable<(string Token, Guid Photo)> items)
    {
        var path = Path.Combine(directory, $"{name}.txt");
        await File.WriteAllLinesAsync(path, items.Select(i => $"{i.Token} {i.Photo}"));
        return path;
    }

    /// <summary>PostgreSQL's checkpoint log lines (log_checkpoints is on by default since PostgreSQL 15) during the timeline.</summary>
    private static List<string> Checkpoints(string? pgLog, Timeline? timeline)
    {
        if (pgLog is null || timeline is null || !File.Exists(pgLog))
        {
            return [];
        }
        var from = DateTimeOffset.FromUnixTimeSeconds(timeline.Start);
        var to = from.AddSeconds(timeline.Seconds.Count + 1);
        var notes = new List<string>();
        foreach (var line in File.ReadLines(pgLog).Where(l => l.Contains("checkpoint", StringComparison.Ordinal)))
        {
            // "2026-12-01 15:40:01.123 UTC [123] LOG:  checkpoint starting: time"
            if (line.Length > 23 && DateTimeOffset.TryParse(line[..23] + "Z", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) && at >= from && at <= to)
            {
                notes.Add($"second {(at - from).TotalSeconds:0}: PostgreSQL {line[(line.IndexOf("checkpoint", StringComparison.Ordinal))..]}");
            }
        }
        if (notes.Count == 0)
        {
            notes.Add("PostgreSQL logged no checkpoint during these seconds (log_checkpoints is on).");
        }
        return notes;
    }

    /// <summary>A loopback OTLP/HTTP collector that counts what it receives and answers 200 (an empty export response).</summary>
    private sealed class OtlpSink : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private long _requests;
        private long _bytes;

        private OtlpSink(WebApplication app, string endpoint)
        {
            _app = app;
            Endpoint = endpoint;
        }

        public string Endpoint { get; }

        public long Requests => Interlocked.Read(ref _requests);

        public long Bytes => Interlocked.Read(ref _bytes);

        public static async Task<OtlpSink> StartAsync(int port)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
            var app = builder.Build();
            var sink = new OtlpSink(app, $"http://127.0.0.1:{port}");
            app.MapPost("/v1/{signal}", async (HttpContext context) =>
            {
                var buffer = new byte[16384];
                long total = 0;
                int read;
                while ((read = await context.Request.Body.ReadAsync(buffer)) > 0)
                {
                    total += read;
                }
                Interlocked.Increment(ref sink._requests);
                Interlocked.Add(ref sink._bytes, total);
                context.Response.ContentType = "application/x-protobuf";
            });
            await app.StartAsync();
            return sink;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
