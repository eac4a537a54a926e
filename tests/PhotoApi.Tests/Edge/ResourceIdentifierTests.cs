using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PhotoApi.Auth;

namespace PhotoApi.Tests.Edge;

/// <summary>
/// RFC 9728 <c>resource</c> is configuration (<c>Auth__ResourceUri</c>), never the client's Host header; a request
/// without Host, or with an empty one, still gets its 401 and its resource_metadata.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ResourceIdentifierTests(ApiFixture fixture)
{
    private string Configured => fixture.Api.BaseAddress.ToString().TrimEnd('/');

    [Theory]
    [InlineData("GET /v1/photos HTTP/1.0\r\n\r\n")]
    [InlineData("GET /v1/photos HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n")]
    [InlineData("GET /v1/photos HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")]
    public async Task AnonymousCall_WithMissingEmptyOrForeignHost_Gets401NamingTheConfiguredMetadata(string request)
    {
        var response = await RawHttp.SendTextAsync(fixture.Api.BaseAddress, request);

        Assert.Equal(401, response.Status);
        Assert.Contains($"resource_metadata=\"{Configured}/.well-known/oauth-protected-resource\"", response.Headers, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetadataDocument_NamesTheConfiguredResource_WhateverHostTheClientSends()
    {
        var response = await RawHttp.SendTextAsync(fixture.Api.BaseAddress, "GET /.well-known/oauth-protected-resource HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, response.Status);
        Assert.Contains($"\"resource\":\"{Configured}\"", response.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("evil.example", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public void OutsideDevelopment_StartUpRefusesWithoutAuthResourceUri_NamingTheKey()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Validate(Environments.Production, resourceUri: null));

        Assert.Contains("Auth__ResourceUri is required outside Development", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InDevelopment_AuthResourceUriMayBeLeftOut_ButMustBeAnHttpUrlWhenGiven()
    {
        Validate(Environments.Development, resourceUri: null);
        var error = Assert.Throws<OptionsValidationException>(() => Validate(Environments.Development, resourceUri: "urn:photos"));

        Assert.Contains("Auth__ResourceUri must be an absolute http(s) URL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InDevelopment_TheResourceIsDerivedOnlyFromHostsThatAllowedHostsNames()
    {
        var database = await TestDatabase.CreateAsync();
        await using var _ = database;
        await using var api = new PhotoApiFactory(fixture.Issuer.Authority, database.ConnectionString, new Dictionary<string, string?>
        {
            ["environment"] = Environments.Development,
            ["Auth:ResourceUri"] = null,
            ["AllowedHosts"] = "photos.test;127.0.0.1",
        });
        var address = api.BaseAddress;

        var allowed = await RawHttp.SendTextAsync(address, "GET /.well-known/oauth-protected-resource HTTP/1.1\r\nHost: photos.test\r\nConnection: close\r\n\r\n");
        var foreign = await RawHttp.SendTextAsync(address, "GET /.well-known/oauth-protected-resource HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n");
        var missing = await RawHttp.SendTextAsync(address, "GET /v1/photos HTTP/1.0\r\n\r\n");

        Assert.Contains("\"resource\":\"http://photos.test\"", allowed.Body, StringComparison.Ordinal);
        Assert.Equal(400, foreign.Status);
        Assert.DoesNotContain("evil.example", foreign.Headers + foreign.Body, StringComparison.Ordinal);
        Assert.Equal(401, missing.Status);
        Assert.Contains($"resource_metadata=\"{ProtectedResourceMetadata.DevelopmentFallback}/.well-known/oauth-protected-resource\"", missing.Headers, StringComparison.Ordinal);
    }

    private static void Validate(string environment, string? resourceUri)
    {
        var builder = ApiServices.Builder(new Dictionary<string, string?>(ApiServices.LoopbackAuth()) { ["Auth:ResourceUri"] = resourceUri }, environment);
        builder.AddPhotoApiAuth();
        using var app = builder.Build();
        app.Services.GetRequiredService<IStartupValidator>().Validate();
    }
}
