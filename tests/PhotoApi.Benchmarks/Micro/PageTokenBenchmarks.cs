using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using PhotoApi.Http;

namespace PhotoApi.Benchmarks.Micro;

/// <summary>Keyset page tokens (HMAC-SHA256 over the cursor and the list's context): encoded for every full page, decoded for every next page.</summary>
[MemoryDiagnoser]
public class PageTokenBenchmarks
{
    private const string Context = "photos:0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";

    private readonly PageToken _tokens = new(new PagingKey(
        Options.Create(new PagingOptions { TokenKey = Convert.ToBase64String(new byte[32]) }),
        NullLogger<PagingKey>.Instance));

    private readonly PageCursor _cursor = new(new DateTime(2025, 5, 17, 10, 30, 15, DateTimeKind.Utc), Guid.CreateVersion7());
    private string _encoded = "";

    [GlobalSetup]
    public void Setup()
    {
        _encoded = _tokens.Encode(Context, _cursor);
        if (!_tokens.TryDecode(_encoded, Context, out var decoded) || decoded != _cursor)
        {
            throw new InvalidOperationException("A page token does not round-trip.");
        }
    }

    [Benchmark]
    public string Encode() => _tokens.Encode(Context, _cursor);

    [Benchmark]
    public PageCursor Decode()
    {
        _tokens.TryDecode(_encoded, Context, out var cursor);
        return cursor;
    }
}
