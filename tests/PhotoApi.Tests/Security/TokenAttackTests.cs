namespace PhotoApi.Tests.Security;

/// <summary>Runs every row of <see cref="TokenAttackCatalogue"/> against a read and a write endpoint.</summary>
[Collection(ApiCollection.Name)]
public sealed class TokenAttackTests(ApiFixture fixture)
{
    [Theory]
    [MemberData(nameof(TokenAttackCatalogue.Names), MemberType = typeof(TokenAttackCatalogue))]
    public async Task Attack_IsRefused_AndNothingIsServedOrWritten(string name)
    {
        var attack = TokenAttackCatalogue.Named(name);
        var photosBefore = await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM photos");
        var usersBefore = await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM users");

        if (attack.Make(fixture.Issuer).Raw)
        {
            await AssertRawAttackRefusedAsync(attack);
        }
        else
        {
            var read = await SendAsync(attack, HttpMethod.Get, "/v1/photos");
            var write = await SendAsync(attack, HttpMethod.Post, "/v1/photos", JsonContent.Create(new { title = "written by an attacker" }));
            await AssertRefusedAsync(attack, read);
            await AssertRefusedAsync(attack, write);
        }

        Assert.Equal(photosBefore, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM photos"));
        Assert.Equal(usersBefore, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM users"));
    }

    private static async Task AssertRefusedAsync(TokenAttack attack, HttpResponseMessage response)
    {
        {
            var problem = await HttpAssert.Problem(response, attack.Status);
            Assert.False(problem.TryGetProperty("items", out _));
            var challenge = HttpAssert.BearerChallenge(response);
            if (attack.Error is null)
            {
                Assert.False(challenge.ContainsKey("error"));
            }
            else
            {
                Assert.Equal(attack.Error, challenge["error"]);
            }
            if (attack.Description is not null)
            {
                Assert.Equal(attack.Description, challenge["error_description"]);
            }
        }
    }

    private async Task AssertRawAttackRefusedAsync(TokenAttack attack)
    {
        var request = attack.Make(fixture.Issuer);
        var lines = request.Authorization.Select(v => $"Authorization: {v}").ToList();
        var read = await RawHttp.SendAsync(fixture.Api.BaseAddress, "GET", "/v1/photos", lines);
        var write = await RawHttp.SendAsync(fixture.Api.BaseAddress, "POST", "/v1/photos",
            [.. lines, "Content-Type: application/json"], "{\"title\":\"written by an attacker\"}"u8.ToArray());
        foreach (var response in new[] { read, write })
        {
            if (attack.Status == HttpStatusCode.RequestHeaderFieldsTooLarge)
            {
                // Kestrel's own answer, before any middleware; for a huge request it may close before the client reads it.
                Assert.True(response.Status is 431 or 0, $"expected 431 or a closed connection, got {response.Status}");
                continue;
            }
            Assert.Equal((int)attack.Status, response.Status);
            Assert.Contains("Content-Type: application/problem+json", response.Headers, StringComparison.OrdinalIgnoreCase);
            Assert.Contains($"error=\"{attack.Error}\"", response.Headers, StringComparison.Ordinal);
            Assert.Contains(attack.Description!, response.Body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task HugeTokens_LeaveTheApiServing()
    {
        await SendAsync(TokenAttackCatalogue.Named("token of 1 MiB"), HttpMethod.Get, "/v1/photos").ContinueWith(_ => { }, TaskScheduler.Default);

        var response = await fixture.AsUser(ApiFixture.NewSubject("alice")).GetAsync("/v1/photos");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task KeysCarriedInTheTokenHeader_AreNeverFetched()
    {
        foreach (var name in new[] { "jku pointing elsewhere", "x5u pointing elsewhere" })
        {
            var before = fixture.Issuer.Requests.Count;
            await SendAsync(TokenAttackCatalogue.Named(name), HttpMethod.Get, "/v1/photos");
            // The only server that could be asked anything is the configured issuer, and it was not asked for those URLs.
            Assert.DoesNotContain(fixture.Issuer.Requests.Skip(before), path => path.Contains("attacker", StringComparison.Ordinal));
        }
    }

    private async Task<HttpResponseMessage> SendAsync(TokenAttack attack, HttpMethod method, string path, HttpContent? content = null)
    {
        var request = attack.Make(fixture.Issuer);
        using var message = new HttpRequestMessage(method, path + request.Query) { Content = content };
        foreach (var value in request.Authorization)
        {
            message.Headers.TryAddWithoutValidation("Authorization", value);
        }
        return await fixture.Api.Anonymous().SendAsync(message);
    }
}
