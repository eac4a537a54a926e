using System.Net;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using PhotoApi.Tests.Infrastructure;

namespace PhotoApi.Tests.Security;

/// <summary>Runs every row of <see cref="TokenAttackCatalogue"/> against a read and a write endpoint.</summary>
[Collection(ApiCollection.Name)]
public sealed class TokenAttackTests(ApiFixture fixture)
{
    // The subjects of the tokens sent (every "sub" of a JWT payload that parses), for "no user was created for them".
    private readonly List<string> _subjects = [];

    [Theory]
    [MemberData(nameof(TokenAttackCatalogue.Names), MemberType = typeof(TokenAttackCatalogue))]
    public async Task Attack_IsRefused_AndNothingIsServedOrWritten(string name)
    {
        var attack = TokenAttackCatalogue.Named(name);
        // Only this attack's own traces are counted (other tests write to the shared database meanwhile): a photo with the
        // title it sends, a user with a subject its tokens name, created since it started.
        var title = $"written by an attacker ({Guid.NewGuid():N})";
        var since = await fixture.Database.ScalarAsync<DateTime>("SELECT now()");

        if (attack.Make(fixture.Issuer).Raw)
        {
            await AssertRawAttackRefusedAsync(attack, title);
        }
        else
        {
            var read = await SendAsync(attack, HttpMethod.Get, "/v1/photos");
            var write = await SendAsync(attack, HttpMethod.Post, "/v1/photos", JsonContent.Create(new { title }));
            await AssertRefusedAsync(attack, read);
            await AssertRefusedAsync(attack, write);
        }

        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM photos WHERE title = @title", ("title", title)));
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM users WHERE subject = ANY(@subjects) AND created_at >= @since", ("subjects", _subjects.ToArray()), ("since", since)));
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

    private async Task AssertRawAttackRefusedAsync(TokenAttack attack, string title)
    {
        var request = Made(attack);
        var lines = request.Authorization.Select(v => $"Authorization: {v}").ToList();
        var read = await RawHttp.SendAsync(fixture.Api.BaseAddress, "GET", "/v1/photos", lines);
        var write = await RawHttp.SendAsync(fixture.Api.BaseAddress, "POST", "/v1/photos",
            [.. lines, "Content-Type: application/json"], System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { title })));
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
        var request = Made(attack);
        using var message = new HttpRequestMessage(method, path + request.Query) { Content = content };
        foreach (var value in request.Authorization)
        {
            message.Headers.TryAddWithoutValidation("Authorization", value);
        }
        return await fixture.Api.Anonymous().SendAsync(message);
    }

    private AttackRequest Made(TokenAttack attack)
    {
        var request = attack.Make(fixture.Issuer);
        foreach (var value in request.Authorization)
        {
            var parts = value.Split(' ', 2)[^1].Split('.');
            try
            {
                using var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(parts[1]));
                _subjects.AddRange(payload.RootElement.EnumerateObject().Where(p => p.Name == "sub")
                    .Select(p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText()));
            }
            catch (Exception e) when (e is IndexOutOfRangeException or FormatException or JsonException or InvalidOperationException or ArgumentException)
            {
                // Not a JWT with a JSON payload: it names no subject.
            }
        }
        return request;
    }
}
