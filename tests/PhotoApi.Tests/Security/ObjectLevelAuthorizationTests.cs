using Microsoft.AspNetCore.Routing;
using PhotoApi.Auth;

namespace PhotoApi.Tests.Security;

/// <summary>
/// OWASP API1 (broken object level authorization), for every endpoint the app maps: Bob, with every scope, gets exactly
/// the 404 a missing object gets for each of Alice's objects, in every position, and changes nothing of hers.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ObjectLevelAuthorizationTests(ApiFixture fixture)
{
    private const string AllScopes = "photos.read photos.write photos.admin";

    [Fact]
    public async Task EveryObjectEndpoint_Answers404ToAnotherUser_AndChangesNothing()
    {
        var aliceSubject = ApiFixture.NewSubject("alice");
        var alice = fixture.AsUser(aliceSubject, AllScopes);
        var bob = fixture.AsUser(ApiFixture.NewSubject("bob"), AllScopes);
        var mine = new Dictionary<string, string>
        {
            ["photo"] = await CreateAsync(alice, "/v1/photos"),
            ["album"] = await CreateAsync(alice, "/v1/albums"),
        };
        await alice.UploadContentAsync(mine["photo"], Images.Png(5000));
        await alice.PutAsync($"/v1/albums/{mine["album"]}/photos/{mine["photo"]}", null);
        var bobs = new Dictionary<string, string>
        {
            ["photo"] = await CreateAsync(bob, "/v1/photos"),
            ["album"] = await CreateAsync(bob, "/v1/albums"),
        };
        var before = await SnapshotAsync(aliceSubject);

        var routes = EndpointMatrix.Routes(fixture.Api.Services).Where(r => r.Parameters.Count > 0).ToList();
        Assert.True(routes.Count >= 9, $"only {routes.Count} object routes found");
        var checkedCalls = 0;
        foreach (var route in routes)
        {
            // Every way of pointing at Alice's data: each parameter hers, the others Bob's own (e.g. his album, her photo).
            foreach (var herParameter in route.Parameters)
            {
                var path = route.Path(p => p == herParameter ? mine[EndpointMatrix.KindOf(route, p)] : bobs[EndpointMatrix.KindOf(route, p)]);
                var missing = route.Path(p => p == herParameter ? Guid.NewGuid().ToString() : bobs[EndpointMatrix.KindOf(route, p)]);

                var answer = await SendAsync(bob, route, path);
                var baseline = await SendAsync(bob, route, missing);

                var problem = await HttpAssert.Problem(answer, HttpStatusCode.NotFound);
                var expected = await HttpAssert.Problem(baseline, HttpStatusCode.NotFound);
                Assert.True(problem.GetProperty("detail").GetString() == expected.GetProperty("detail").GetString()
                    && problem.GetProperty("title").GetString() == expected.GetProperty("title").GetString(),
                    $"{route} with Alice's {herParameter}: the answer differs from a missing object's");
                Assert.False(answer.Headers.Contains("ETag"), $"{route} leaked an ETag");
                checkedCalls++;
            }
        }

        Assert.Equal(before, await SnapshotAsync(aliceSubject));
        Assert.True(checkedCalls >= 10);
    }

    [Fact]
    public async Task EveryEndpoint_ExceptHealthDiscoveryAndSwagger_RefusesAnonymousCalls()
    {
        var anonymous = fixture.Api.Anonymous();
        var routes = EndpointMatrix.Routes(fixture.Api.Services);

        foreach (var route in routes.Where(r => !r.Anonymous))
        {
            var response = await SendAsync(anonymous, route, route.Path(_ => Guid.NewGuid().ToString()));
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{route} answered {(int)response.StatusCode} without a token");
            Assert.Equal(["Bearer", "DPoP"], response.Headers.WwwAuthenticate.Select(c => c.Scheme));
        }
        foreach (var route in routes.Where(r => r.Anonymous))
        {
            Assert.True(route.Pattern.StartsWith("/health/", StringComparison.Ordinal) || route.Pattern.StartsWith("/.well-known/", StringComparison.Ordinal)
                || route.Pattern.StartsWith("/swagger/", StringComparison.Ordinal),
                $"{route} is anonymous but is not health, discovery or Swagger");
        }
    }

    [Fact]
    public void EveryEndpoint_IsAnonymousOnPurposeOrDeclaresItsScope()
    {
        var endpoints = fixture.Api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();

        Assert.NotEmpty(endpoints);
        foreach (var endpoint in endpoints)
        {
            var anonymous = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is not null;
            var declared = endpoint.Metadata.GetMetadata<ScopeDeclaration>() is not null;
            Assert.True(anonymous || declared, $"{endpoint.DisplayName} declares no scope (use RequireScope or RequireAnyScope)");
        }
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, ApiRoute route, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(route.Method), path) { Content = EndpointMatrix.ValidBody(route) };
        return await client.SendAsync(request);
    }

    private static async Task<string> CreateAsync(HttpClient client, string path) =>
        (await HttpAssert.Ok<JsonElement>(await client.PostAsJsonAsync(path, new { title = "Alice's" }), HttpStatusCode.Created)).GetProperty("id").GetString()!;

    // Everything stored for the user, as one string: rows, content hashes, memberships.
    private Task<string> SnapshotAsync(string subject) => fixture.Database.ScalarAsync<string>("""
        SELECT concat_ws(' | ',
          (SELECT string_agg(concat_ws(',', p.id, p.title, p.description, p.version, p.sha256, p.size_bytes, p.updated_at), ';' ORDER BY p.id)
             FROM photos p JOIN users u ON u.id = p.user_id WHERE u.subject = @s),
          (SELECT string_agg(md5(c.bytes), ',' ORDER BY c.photo_id, c.seq)
             FROM photo_chunks c JOIN photos p ON p.id = c.photo_id JOIN users u ON u.id = p.user_id WHERE u.subject = @s),
          (SELECT string_agg(concat_ws(',', a.id, a.title, a.description, a.updated_at), ';' ORDER BY a.id)
             FROM albums a JOIN users u ON u.id = a.user_id WHERE u.subject = @s),
          (SELECT string_agg(concat_ws(',', m.album_id, m.photo_id), ';' ORDER BY m.album_id, m.photo_id)
             FROM album_photos m JOIN users u ON u.id = m.user_id WHERE u.subject = @s))
        """, ("s", subject));
}
