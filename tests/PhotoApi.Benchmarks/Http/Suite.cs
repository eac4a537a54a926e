using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PhotoApi.Benchmarks.Micro;
using PhotoApi.Benchmarks.Report;
using PhotoApi.Data;
using PhotoApi.Http;

namespace PhotoApi.Benchmarks.Http;

/// <summary>Settings of one run; every default is what scripts/bench.sh documents.</summary>
public sealed record SuiteOptions(
    string AdminConnection, bool Smoke, string RepoRoot, string OutputDirectory, string Commit, string Command,
    int Threads, int Connections, TimeSpan Duration, int Rounds, TimeSpan Warmup, int Port, int IssuerPort,
    string? ExtraConnectionSettings, IReadOnlySet<string> Scenarios, bool SkipMicro, string? Profile, string DpopReplayCache,
    string? StartupVariants, string? PostgresLog)
{
    public SeedSize Size => Smoke ? SeedSize.Smoke : SeedSize.Full;

    public string Database => Smoke ? "photoapi_bench_smoke" : "photoapi_bench";

    public static SuiteOptions From(IReadOnlyDictionary<string, string> o)
    {
        var smoke = o.ContainsKey("smoke");
        var repo = o.GetValueOrDefault("repo") ?? FindRepoRoot();
        int Int(string name, int fallback) => o.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return new SuiteOptions(
            o.GetValueOrDefault("connection") ?? throw new BenchmarkFailedException("--connection (an admin connection string) is required."),
            smoke,
            repo,
            o.GetValueOrDefault("out") ?? (smoke ? Path.Combine(repo, ".data", "bench-smoke") : Path.Combine(repo, "docs")),
            o.GetValueOrDefault("commit") ?? "unknown",
            o.GetValueOrDefault("command") ?? (smoke ? "scripts/bench.sh --smoke" : "scripts/bench.sh"),
            Int("threads", 2),
            Int("connections", 32),
            TimeSpan.FromSeconds(Int("duration", smoke ? 2 : 10)),
            Int("rounds", smoke ? 1 : 3),
            TimeSpan.FromSeconds(Int("warmup", smoke ? 1 : 5)),
            Int("port", 54380),
            Int("issuer-port", 54381),
            o.GetValueOrDefault("db-settings"),
            (o.GetValueOrDefault("scenarios") ?? "A,B,C,D,E,P,F,O,T,S").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal),
            o.ContainsKey("skip-micro"),
            o.GetValueOrDefault("profile"),
            o.GetValueOrDefault("dpop-replay-cache") ?? "InProcess",
            o.GetValueOrDefault("startup-variants"),
            o.GetValueOrDefault("pg-log"));
    }

    private static string FindRepoRoot() =>
        RepositoryRoot.Above(Environment.CurrentDirectory) ?? throw new BenchmarkFailedException("Run from inside the repository (PhotoApi.sln not found) or pass --repo.");
}

/// <summary>The whole suite: micro benchmarks, then the HTTP scenarios against the benchmark host, then the report and chart.</summary>
public static class Suite
{
    private const string PagingKey = "YmVuY2gtcGFnaW5nLWtleS1iZW5jaC1wYWdpbmcta2V5LTMyYg==";
    private const int ContentBytes = 1024 * 1024;
    private const int DeepRows = 10_000;

    public static async Task<int> RunAsync(SuiteOptions options)
    {
        Directory.CreateDirectory(options.OutputDirectory);
        var failures = new List<string>();

        IReadOnlyList<MicroResult> micro = [];
        if (!options.SkipMicro)
        {
            Console.WriteLine("== Micro benchmarks (BenchmarkDotNet) ==");
            micro = MicroSuite.Run(options.Smoke, Path.Combine(options.RepoRoot, ".data", "BenchmarkDotNet.Artifacts"));
        }

        var http = new List<ScenarioResult>();
        var timelines = new List<TimelineResult>();
        string? plans = null;
        var connectionString = "";
        var resolver = "n/a";
        var postgres = "n/a";
        if (options.Scenarios.Count > 0)
        {
            connectionString = await EnsureDatabaseAsync(options);
            // The authorization server every API under test trusts (discovery + JWKS over HTTP), in this process.
            await using var issuer = await BenchIssuer.StartAsync(options.IssuerPort);
            await Seeder.SeedAsync(connectionString, options.Size, issuer.Authority, Console.Out);
            postgres = await PostgresVersionAsync(connectionString);

            var apiConnection = options.ExtraConnectionSettings is { Length: > 0 } extra ? $"{connectionString};{extra}" : connectionString;
            RunData data;
            await using (var host = await StartBenchHostAsync(options, apiConnection, issuer))
            {
                using var client = new HttpClient { BaseAddress = new Uri(host.BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
                resolver = await client.GetStringAsync("/bench/json-resolver");
                // Each feature registers its own source-generated context (Albums' also holds PhotoResponse, for its photo pages).
                if (!(resolver.StartsWith("PhotoApi.", StringComparison.Ordinal) && resolver.EndsWith("JsonContext", StringComparison.Ordinal)))
                {
                    failures.Add($"PhotoResponse is serialized by {resolver}, not by one of PhotoApi's source-generated JSON contexts.");
                }

                data = await PrepareAsync(options, connectionString, client, issuer);
                plans = await QueryPlans.ExplainAsync(connectionString, data.Ids);

                var wrk = new Wrk(host.BaseUrl, Path.Combine(AppContext.BaseDirectory, "lua"), data.LuaFile, options.Threads, options.Connections);
                Console.WriteLine($"== HTTP scenarios ({Wrk.Version()}, -t{options.Threads} -c{options.Connections}, {options.Duration.TotalSeconds:0} s each) ==");
                http.AddRange(await RunScenariosAsync(options, wrk, host, failures));
            }

            if (new[] { "P", "F", "O", "T", "S" }.Any(options.Scenarios.Contains))
            {
                var (peers, peerTimelines) = await PeerScenarios.RunAsync(options, issuer, apiConnection,
                    new PeerScenarios.Data(data.LuaFile, data.Items, data.Tokens, options.Size), options.PostgresLog, failures);
                http.AddRange(peers);
                timelines.AddRange(peerTimelines);
            }
        }

        var targets = ResultsDocument.Targets(http, micro).Concat(ResultsDocument.StartupTargets(timelines)).ToList();
        var run = new RunInfo(DateTimeOffset.UtcNow, options.Commit, options.Smoke ? "smoke mode: tiny data, numbers not meaningful" : "full run",
            options.Command, Machine(), $".NET {Environment.Version}", postgres, options.Scenarios.Count > 0 ? Wrk.Version() : "n/a",
            options.Size, options.Threads, options.Connections, options.Duration, options.Rounds, options.Warmup,
            DataSetup.PerformanceDefaults(options.ExtraConnectionSettings), resolver);

        const string chartFile = "performance.png";
        if (http.Count > 0)
        {
            Chart.Save(Path.Combine(options.OutputDirectory, chartFile), http,
                $"PhotoApi, {run.Date:yyyy-MM-dd}, commit {run.Commit}: wrk -t{run.Threads} -c{run.Connections}, {run.Rounds} x {run.Duration.TotalSeconds:0} s per scenario, {run.Size.Photos:N0} photos");
        }
        var document = Path.Combine(options.OutputDirectory, "performance.md");
        ResultsDocument.Update(document, ResultsDocument.Results(run, http, micro, targets, chartFile, timelines), plans);

        Console.WriteLine();
        foreach (var t in targets)
        {
            Console.WriteLine($"{(t.Met ? "met   " : "MISSED")}  {t.Name}: {t.Measured} (goal {t.Goal}; {t.Note})");
        }
        Console.WriteLine($"Results written to {document}");

        // Broken, not slow: smoke and full runs fail on errors, never on timings.
        if (failures.Count > 0)
        {
            throw new BenchmarkFailedException(string.Join(Environment.NewLine, failures));
        }
        return 0;
    }

    private sealed record RunData(string LuaFile, QueryPlans.Ids Ids, IReadOnlyList<(string Subject, Guid Photo)> Items, IReadOnlyDictionary<string, string> Tokens);

    private static async Task<HostProcess> StartBenchHostAsync(SuiteOptions options, string apiConnection, TestIssuer issuer)
    {
        Console.WriteLine("== Benchmark host (scenarios A–E) ==");
        return await HostProcess.StartBenchHostAsync(apiConnection, options.Port, issuer.Authority, PagingKey,
            Path.Combine(options.RepoRoot, ".data", "bench-logs"), options.DpopReplayCache);
    }

    /// <summary>The 1, 5 and 15 minute load averages (/proc/loadavg): the machine is shared, so every figure carries it.</summary>
    public static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static async Task<IReadOnlyList<ScenarioResult>> RunScenariosAsync(SuiteOptions options, Wrk wrk, HostProcess host, List<string> failures)
    {
        var plan = new (string Key, string Short, string Description, string Script, Dictionary<string, string>? Env, string[] Group)[]
        {
            ("A", "A\nGET photo", "GET /v1/photos/{id}, valid token", "get-photo.lua", null, ["A", "B"]),
            ("B", "B\nbare baseline", "same query, bare endpoint, no auth (baseline)", "get-photo-baseline.lua", null, ["A", "B"]),
            ("B+auth", "B + auth\n(breakdown)", "B plus authentication, authorization and user lookup called in the handler (breakdown of A − B)", "get-photo-auth-only.lua", null, ["A", "B"]),
            ("C1", "C\npage 1", "GET /v1/photos, page 1 (50,000-photo user)", "list-photos.lua", new() { ["BENCH_PAGE"] = "first" }, ["C"]),
            ("C2", "C\n10,000 deep", "GET /v1/photos, page 10,000 rows deep", "list-photos.lua", new() { ["BENCH_PAGE"] = "deep" }, ["C"]),
            ("D", "D\n1 MiB image", "GET /v1/photos/{id}/content, 1 MiB", "get-content.lua", null, ["D"]),
            ("E", "E\n90/10 mix", "90% reads / 10% writes", "mixed.lua", null, ["E"]),
        };
        var selected = plan.Where(p => p.Group.Any(options.Scenarios.Contains) || options.Scenarios.Contains(p.Key)).ToList();

        var results = new List<ScenarioResult>();
        // Scenarios compared with each other (A with B, page 1 with the deep page) are warmed together, then measured in
        // alternating rounds (A, B, A, B, ...), so a slow spell on this shared machine hits both sides of a ratio alike.
        foreach (var group in selected.GroupBy(p => p.Group[0]))
        {
            foreach (var s in group)
            {
                Check(s.Key + " (warm-up)", await wrk.RunAsync(s.Script, options.Warmup, s.Env), failures);
            }
            var rounds = group.ToDictionary(s => s.Key, _ => new List<WrkSummary>());
            var peaks = group.ToDictionary(s => s.Key, _ => 0L);
            for (var round = 0; round < options.Rounds; round++)
            {
                foreach (var s in group)
                {
                    host.ResetPeakMemory();
                    var profile = options.Profile == s.Key && round == 0
                        ? await Profiler.StartAsync(host.Id, options.Duration - TimeSpan.FromSeconds(2), Path.Combine(options.RepoRoot, ".data"), options.OutputDirectory, s.Key)
                        : null;
                    var summary = await wrk.RunAsync(s.Script, options.Duration, s.Env);
                    if (profile is not null)
                    {
                        await profile();
                    }
                    Check(s.Key, summary, failures);
                    rounds[s.Key].Add(summary);
                    peaks[s.Key] = Math.Max(peaks[s.Key], host.PeakMemoryBytes());
                    Console.WriteLine($"  {s.Key,-3} round {round + 1}: {summary.RequestsPerSecond,9:N0} req/s  p50 {summary.P50Us / 1000.0,7:0.00} ms  p99 {summary.P99Us / 1000.0,7:0.00} ms  errors {summary.Errors}  load {LoadAverage()}");
                }
            }
            foreach (var s in group)
            {
                var total = WrkSummary.Combine(rounds[s.Key]);
                results.Add(new ScenarioResult(s.Key, s.Short, s.Description, total, peaks[s.Key]));
                Console.WriteLine($"  {s.Key,-3} all      {total.RequestsPerSecond,9:N0} req/s  p50 {total.P50Us / 1000.0,7:0.00} ms  p99 {total.P99Us / 1000.0,7:0.00} ms  errors {total.Errors}  peak RSS {peaks[s.Key] / 1048576.0:0} MB");
            }
        }
        return results;
    }

    internal static void Check(string scenario, WrkSummary summary, List<string> failures)
    {
        if (summary.Requests == 0 || summary.Errors > 0)
        {
            failures.Add($"Scenario {scenario}: {summary.Requests} requests, {summary.HttpErrors} HTTP errors (status ≥ 400), "
                + $"{summary.ConnectErrors + summary.ReadErrors + summary.WriteErrors} socket errors, {summary.Timeouts} timeouts.");
        }
    }

    /// <summary>Tokens from the host's issuer, the photo ids to read, the 1 MiB content, the deep page token; all into the Lua data file.</summary>
    private static async Task<RunData> PrepareAsync(SuiteOptions options, string connectionString, HttpClient client, TestIssuer issuer)
    {
        var readers = options.Smoke ? 20 : 100;
        var photosEach = options.Smoke ? 5 : 10;
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();

        var users = Enumerable.Range(2, readers).ToArray();
        var photos = (await db.QueryAsync<(Guid Id, Guid UserId)>("""
            SELECT id, user_id FROM (
                SELECT id, user_id, row_number() OVER (PARTITION BY user_id ORDER BY created_at DESC) AS n
                  FROM photos WHERE user_id = ANY(@users)) p
             WHERE n <= @photosEach
            """, new { users = users.Select(Seeder.UserId).ToArray(), photosEach })).ToLookup(p => p.UserId, p => p.Id);

        var tokens = new Dictionary<int, string>();
        foreach (var n in users.Prepend(1))
        {
            tokens[n] = issuer.Mint(Seeder.Subject(n));
            // The first request with a token validates it fully and provisions the user; the scenarios measure what follows.
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/me");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[n]);
            using var response = await client.SendAsync(request);
            if (!response.IsSuccessStatusCode)
            {
                throw new BenchmarkFailedException($"GET /v1/me as {Seeder.Subject(n)} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
        }

        var items = new StringBuilder();
        var itemList = new List<(string Subject, Guid Photo)>();
        for (var k = 0; k < photosEach; k++)
        {
            foreach (var n in users)
            {
                var id = photos[Seeder.UserId(n)].ElementAtOrDefault(k);
                if (id == Guid.Empty)
                {
                    throw new BenchmarkFailedException($"User {n} has fewer than {photosEach} photos; reseed.");
                }
                itemList.Add((Seeder.Subject(n), id));
                items.Append(CultureInfo.InvariantCulture, $"    {{ user = \"{Seeder.UserId(n)}\", photo = \"{id}\", token = \"{tokens[n]}\" }},\n");
            }
        }

        // D: one 1 MiB image, uploaded through the API.
        var heavy = Seeder.UserId(1);
        var contentPhoto = Seeder.PhotoId(1);
        var image = new byte[ContentBytes];
        new Random(6).NextBytes(image);
        image[0] = 0xFF;
        image[1] = 0xD8;
        image[2] = 0xFF;
        using (var put = new HttpRequestMessage(HttpMethod.Put, $"/v1/photos/{contentPhoto}/content") { Content = new ByteArrayContent(image) })
        {
            put.Content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[1]);
            using var response = await client.SendAsync(put);
            if (!response.IsSuccessStatusCode)
            {
                throw new BenchmarkFailedException($"Uploading the 1 MiB image answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
        }

        // C: the page token a client holds after paging 10,000 rows in (signed with the host's paging key).
        var deepRows = Math.Min(DeepRows, options.Size.HeavyUserPhotos / 2);
        var cursor = await db.QuerySingleAsync<(DateTime CreatedAt, Guid Id)>(
            "SELECT created_at, id FROM photos WHERE user_id = @heavy ORDER BY created_at DESC, id DESC OFFSET @offset LIMIT 1",
            new { heavy, offset = deepRows - 1 });
        var pageTokens = new PageToken(new PagingKey(
            Options.Create(new PagingOptions { TokenKey = PagingKey }), NullLogger<PagingKey>.Instance));
        var deepToken = pageTokens.Encode($"photos:{heavy}", new PageCursor(cursor.CreatedAt, cursor.Id));
        using (var check = new HttpRequestMessage(HttpMethod.Get, $"/v1/photos?pageSize=25&pageToken={deepToken}"))
        {
            check.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[1]);
            using var response = await client.SendAsync(check);
            if (!response.IsSuccessStatusCode)
            {
                throw new BenchmarkFailedException($"The deep page answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
        }

        var luaFile = Path.Combine(options.RepoRoot, ".data", options.Smoke ? "bench-data-smoke.lua" : "bench-data.lua");
        await File.WriteAllTextAsync(luaFile, $$"""
            -- Generated by the benchmark suite for one run: tokens expire, do not keep this file.
            return {
              heavyToken = "{{tokens[1]}}",
              firstPage = "/v1/photos?pageSize=25",
              deepPage = "/v1/photos?pageSize=25&pageToken={{deepToken}}",
              contentPath = "/v1/photos/{{contentPhoto}}/content",
              items = {
            {{items}}  },
            }
            """);

        var first = photos[Seeder.UserId(users[0])].First();
        return new RunData(luaFile, new QueryPlans.Ids(heavy, first, Seeder.UserId(users[0]), cursor.CreatedAt, cursor.Id, contentPhoto), itemList,
            tokens.ToDictionary(t => Seeder.Subject(t.Key), t => t.Value, StringComparer.Ordinal));
    }

    private static async Task<string> EnsureDatabaseAsync(SuiteOptions options)
    {
        await using (var admin = new NpgsqlConnection(options.AdminConnection))
        {
            await admin.OpenAsync();
            if (await admin.ExecuteScalarAsync<int?>("SELECT 1 FROM pg_database WHERE datname = @name", new { name = options.Database }) is null)
            {
                await admin.ExecuteAsync($"CREATE DATABASE {options.Database}");
            }
        }
        return new NpgsqlConnectionStringBuilder(options.AdminConnection) { Database = options.Database }.ConnectionString;
    }

    private static async Task<string> PostgresVersionAsync(string connectionString)
    {
        await using var db = new NpgsqlConnection(connectionString);
        var version = await db.ExecuteScalarAsync<string>("SHOW server_version") ?? "?";
        return $"PostgreSQL {version.Split(' ')[0]}";
    }

    private static string Machine()
    {
        static string Read(string path, string prefix) => File.Exists(path)
            ? File.ReadLines(path).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))?.Split(prefix, 2)[1].Trim(' ', ':', '\t', '"') ?? "?"
            : "?";
        var memoryKb = long.TryParse(Read("/proc/meminfo", "MemTotal").Split(' ')[0], CultureInfo.InvariantCulture, out var kb) ? kb : 0;
        return $"{Read("/proc/cpuinfo", "model name")}, {Environment.ProcessorCount} cores, {memoryKb / 1024.0 / 1024.0:0} GiB, {Read("/etc/os-release", "PRETTY_NAME=")}";
    }
}
