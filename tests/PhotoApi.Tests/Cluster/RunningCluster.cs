using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace PhotoApi.Tests.Cluster;

/// <summary>
/// The cluster exactly as <c>scripts/cluster.sh start</c> runs it (PostgreSQL, PgBouncer in transaction mode, Redis, the
/// dev issuer, three API processes, HAProxy), on ports of its own, with this test run's build of the API and the issuer.
/// Tokens come from that dev issuer, which the API trusts through discovery and JWKS over HTTP like any issuer.
/// </summary>
public sealed class RunningCluster : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"photoapi-cluster-{Guid.NewGuid():N}");
    private Dictionary<string, string> _env = [];
    private int _port;

    public Uri Url => new(_env["CLUSTER_URL"]);

    public int Instances => int.Parse(_env["CLUSTER_INSTANCES"], CultureInfo.InvariantCulture);

    /// <summary>The address of instance <paramref name="i"/> (1-based), bypassing HAProxy.</summary>
    public Uri Instance(int i) => new(_env[$"API_{i}_URL"]);

    public async Task InitializeAsync()
    {
        _port = Environment.GetEnvironmentVariable("PHOTOAPI_TEST_CLUSTER_PORT") is { Length: > 0 } configured
            ? int.Parse(configured, CultureInfo.InvariantCulture)
            : FreePortBlock();
        await StartAsync();
    }

    /// <summary>Starts whatever of the cluster is not running (after a drill killed or stopped a part), as the script does.</summary>
    public async Task StartAsync()
    {
        await RepositoryScripts.RunAsync("cluster.sh", "start", "--dir", _directory, "--port", _port.ToString(CultureInfo.InvariantCulture),
            "--no-build", "--configuration", Configuration());
        _env = File.ReadAllLines(Path.Combine(_directory, "cluster.env"))
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1]);
    }

    public async Task DisposeAsync()
    {
        await RepositoryScripts.RunAsync("cluster.sh", "stop", "--dir", _directory);
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>SIGKILL: the process ends at once, in the middle of whatever it was serving.</summary>
    public void KillInstance(int i) => Process.GetProcessById(int.Parse(_env[$"API_{i}_PID"], CultureInfo.InvariantCulture)).Kill();

    public Task StopRedisAsync() => RepositoryScripts.RunAsync("redis.sh", "stop", _env["REDIS_DIR"]);

    /// <summary>PostgreSQL's fast shutdown (every session terminated); <see cref="StartAsync"/> brings it back on its port.</summary>
    public Task StopPostgresAsync() => RepositoryScripts.RunAsync("pg-cluster.sh", "stop", _env["POSTGRES_DIR"]);

    /// <summary>HAProxy's view of each instance (UP, DOWN, ...), from its statistics page.</summary>
    public async Task<Dictionary<string, string>> BackendStatusAsync()
    {
        using var http = new HttpClient();
        var csv = await http.GetStringAsync(new Uri(_env["HAPROXY_STATS_URL"] + ";csv"));
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].TrimStart('#', ' ').Split(',');
        int Column(string name) => Array.IndexOf(header, name);
        return lines.Skip(1).Select(l => l.Split(','))
            .Where(f => f[Column("pxname")] == "api" && f[Column("svname")].StartsWith("api-", StringComparison.Ordinal))
            .ToDictionary(f => f[Column("svname")], f => f[Column("status")]);
    }

    /// <summary>Waits (at most 30 s) until HAProxy reports <paramref name="server"/> with <paramref name="status"/>; false if it never does.</summary>
    public async Task<bool> WaitForBackendAsync(string server, string status)
    {
        for (var i = 0; i < 150; i++)
        {
            if ((await BackendStatusAsync()).GetValueOrDefault(server) == status)
            {
                return true;
            }
            await Task.Delay(200);
        }
        return false;
    }

    /// <summary>An access token from the cluster's dev issuer (<c>POST /dev/tokens</c>, signed with its published key).</summary>
    public async Task<string> TokenAsync(string subject, string scopes, string? jkt = null)
    {
        using var http = new HttpClient();
        var response = await http.PostAsJsonAsync(new Uri(new Uri(_env["ISSUER_URL"]), "/dev/tokens"), new { subject, scopes, jkt });
        return (await HttpAssert.Ok<JsonElement>(response)).GetProperty("access_token").GetString()!;
    }

    /// <summary>
    /// A client calling from its own loopback address (127.0.0.<paramref name="host"/>), so HAProxy and the API see
    /// distinct callers, as they would see distinct machines.
    /// </summary>
    public static HttpClient ClientFrom(byte host, Uri baseAddress, string? token = null)
    {
        var source = new IPAddress([127, 0, 0, host]);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellation) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(source, 0));
                    await socket.ConnectAsync(IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port, cancellation);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }

    private static string Configuration() =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    // The script uses P..P+10; a random block below the ephemeral range, checked free.
    private static int FreePortBlock()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var first = 20000 + (Random.Shared.Next(0, 500) * 20);
            if (Enumerable.Range(first, 11).All(IsFree))
            {
                return first;
            }
        }
        throw new InvalidOperationException("No free block of 11 loopback ports between 20000 and 30000.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>Drills against one shared cluster, one at a time, after the parallel suite (they kill and stop its parts).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection : ICollectionFixture<RunningCluster>
{
    public const string Name = "cluster drills (run alone)";
}
