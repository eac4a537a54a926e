namespace PhotoApi.Tests.Infrastructure;

/// <summary>
/// APIs a test starts one after another on one database against one issuer, each with the shared settings and its own
/// changes; disposing stops them all.
/// </summary>
public sealed class ApiHosts(string authority, string connectionString, IDictionary<string, string?> shared) : IAsyncDisposable
{
    private readonly List<PhotoApiFactory> _apis = [];

    /// <param name="settings">Changes to the shared settings (a null value removes one).</param>
    public PhotoApiFactory Start(IDictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        var all = new Dictionary<string, string?>(shared);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        var api = new PhotoApiFactory(authority, connectionString, all, time: time);
        _apis.Add(api);
        return api;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var api in _apis)
        {
            await api.DisposeAsync();
        }
    }
}
