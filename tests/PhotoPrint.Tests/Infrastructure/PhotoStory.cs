using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace PhotoPrint.Tests.Infrastructure;

/// <summary>
/// The cast of the OAuth story, all real: the dev issuer, PhotoApi on its own PostgreSQL database, and the photos Alice
/// and Bob already have (put there through the API by another app).
/// </summary>
public sealed class PhotoStory : IAsyncDisposable
{
    /// <summary>A real 1×1 PNG (70 bytes).</summary>
    public static readonly byte[] SmallPng = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    /// <summary>The same PNG with bytes after its end (browsers ignore them), so two photos differ in size.</summary>
    public static readonly byte[] LargerPng = [.. SmallPng, .. new byte[1000]];

    private readonly DevIssuerApi _cast;

    private PhotoStory(DevIssuerApi cast) => _cast = cast;

    public DevIssuerHost Issuer => _cast.Issuer;

    public TestDatabase Database => _cast.Database;

    public PhotoApiFactory Api => _cast.Api;

    public string BobsPhotoId { get; private set; } = "";

    /// <summary>The status of every refresh token the issuer has issued to <paramref name="clientId"/> for <paramref name="subject"/>.</summary>
    public async Task<IReadOnlyList<string>> RefreshTokenStatusesAsync(string subject, string clientId)
    {
        await using var scope = Issuer.Services.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var applicationId = await applications.GetIdAsync((await applications.FindByClientIdAsync(clientId))!);
        var statuses = new List<string>();
        await foreach (var token in tokens.FindBySubjectAsync(subject))
        {
            if (await tokens.GetApplicationIdAsync(token) == applicationId
                && await tokens.GetTypeAsync(token) == OpenIddictConstants.TokenTypeIdentifiers.RefreshToken)
            {
                statuses.Add((await tokens.GetStatusAsync(token))!);
            }
        }

        return statuses;
    }

    /// <param name="issuerSettings">Extra dev issuer configuration (e.g. a client's redirect URI).</param>
    /// <param name="issuerTime">The issuer's clock (a fake one where polling or expiry matters).</param>
    public static async Task<PhotoStory> StartAsync(IDictionary<string, string?>? issuerSettings = null, TimeProvider? issuerTime = null)
    {
        var story = new PhotoStory(await DevIssuerApi.StartAsync(issuerSettings, issuerTime: issuerTime));

        await story.AddPhotoAsync("alice", "Lighthouse", SmallPng);
        await story.AddPhotoAsync("alice", "Harbour at dusk", LargerPng);
        story.BobsPhotoId = await story.AddPhotoAsync("bob", "Bob's bicycle", SmallPng);
        return story;
    }

    /// <summary>Adds a photo with content through the API; returns its id.</summary>
    public async Task<string> AddPhotoAsync(string user, string title, byte[] png)
    {
        using var owner = await AsUserAsync(user);
        var id = await owner.CreatePhotoAsync(title);
        await owner.UploadContentAsync(id, png);
        return id;
    }

    /// <summary>An API client for <paramref name="user"/> through another app, with a token from the dev issuer's /dev/tokens.</summary>
    private async Task<HttpClient> AsUserAsync(string user) => Api.WithToken(await Issuer.DevTokenAsync(user, clientId: "photo-uploader"));

    public ValueTask DisposeAsync() => _cast.DisposeAsync();
}
