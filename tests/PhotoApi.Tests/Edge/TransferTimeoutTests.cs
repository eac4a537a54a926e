using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace PhotoApi.Tests.Edge;

/// <summary>
/// Content endpoints are exempt from the 30 s request timeout (a large image takes longer) but not from every timeout:
/// they carry the transfer policy, finite (Limits__TransferTimeout, 10 min by default). ASP.NET's request-timeout middleware
/// runs on real timers, so the shipped ten minutes are checked on the policy the app actually maps, not waited for.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class TransferTimeoutTests(ApiFixture fixture)
{
    [Fact]
    public void EveryContentEndpoint_HasTheFiniteTransferTimeout_TenMinutesByDefault()
    {
        var services = fixture.Api.Services;
        var options = services.GetRequiredService<IOptions<RequestTimeoutOptions>>().Value;
        var content = services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.TrimEnd('/').EndsWith("/content", StringComparison.Ordinal) == true)
            .ToList();

        Assert.NotEmpty(content);
        Assert.All(content, endpoint =>
        {
            var policy = endpoint.Metadata.GetMetadata<RequestTimeoutAttribute>()?.PolicyName;
            Assert.NotNull(policy);
            Assert.Equal(TimeSpan.FromMinutes(10), options.Policies[policy].Timeout);
            Assert.Null(endpoint.Metadata.GetMetadata<DisableRequestTimeoutAttribute>());
        });
        Assert.Equal(TimeSpan.FromSeconds(30), options.DefaultPolicy!.Timeout);
    }
}
