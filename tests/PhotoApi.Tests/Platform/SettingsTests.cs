using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using PhotoApi.Auth;
using PhotoApi.Data;
using PhotoApi.Http;
using PhotoApi.Observability;
using PhotoApi.OpenApi;
using PhotoApi.Photos;
using PhotoApi.Traffic;

namespace PhotoApi.Tests.Platform;

/// <summary>An operator who misspells a setting is told at start-up, by name, instead of running with the default.</summary>
public sealed class SettingsTests
{
    [Theory]
    [InlineData("Auth:Audiance", "photo-api", "Auth__Audiance (did you mean Auth__Audience?)")]
    [InlineData("Auth:Issuers:0:Authorty", "http://127.0.0.1:5002", "Auth__Issuers__0__Authorty (did you mean Auth__Issuers__0__Authority?)")]
    [InlineData("Auth:Dpop:RequireNonse", "true", "Auth__Dpop__RequireNonse (did you mean Auth__Dpop__RequireNonce?)")]
    [InlineData("Database:MigrateOnStart", "false", "Database__MigrateOnStart (did you mean Database__MigrateOnStartup?)")]
    [InlineData("Limits:RequestTimeot", "00:00:10", "Limits__RequestTimeot (did you mean Limits__RequestTimeout?)")]
    [InlineData("Photos:MaxBytes", "10", "Photos__MaxBytes")]
    [InlineData("OpenApi:ClientId", "swagger", "OpenApi__ClientId")]
    [InlineData("Paging:TokenKey", "c2hvcnQ=", "Paging__TokenKey must be base64 of at least 32 bytes")]
    [InlineData("Paging:TokenKey", "not base64!", "Paging__TokenKey must be base64 of at least 32 bytes")]
    [InlineData("Limits:RequestTimeout", "soon", "'Limits:RequestTimeout'")]
    [InlineData("Limits:QueueLength", "-1", "Limits__QueueLength not negative")]
    [InlineData("Limits:TransfersPerUser", "0", "Limits__TransfersPerUser")]
    [InlineData("RateLimits:Window", "00:00:00", "RateLimits__Window longer than zero")]
    [InlineData("RateLimits:PermitsPerWindow", "many", "'RateLimits:PermitsPerWindow'")]
    [InlineData("Proxies:KnownProxies", "proxy.internal", "Proxies__KnownProxies must be IP addresses")]
    [InlineData("Proxies:KnownNetworks", "10.0.0.0/99", "Proxies__KnownNetworks must be networks in CIDR form")]
    [InlineData("Proxies:ForwardLimit", "0", "Proxies__ForwardLimit must be between 1 and 10")]
    [InlineData("RequestLog:ErrorSummaryInterval", "00:00:00.5", "RequestLog__ErrorSummaryInterval must be at least one second")]
    [InlineData("SharedKeys:RefreshInterval", "02:00:00", "SharedKeys__RefreshInterval must be between")]
    [InlineData("OpenApi:SwaggerClientId", " ", "OpenApi__SwaggerClientId must not be empty")]
    [InlineData("Photos:MaxContentBytes", "0", "Photos__MaxContentBytes must be between 1 and 4 GiB")]
    [InlineData("Database:TransactionPooling", "maybe", "'Database:TransactionPooling'")]
    [InlineData("ConnectionStrings:Photos", "", "ConnectionStrings__Photos is required")]
    public void AMisspeltOrBadSetting_StopsStartUpNamingIt(string key, string value, string message)
    {
        var error = StartUpError(new Dictionary<string, string?> { [key] = value });

        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void KeysInCaseOtherThanDeclared_ListsAndMaps_AreKnown()
    {
        var error = StartUpError(new Dictionary<string, string?>
        {
            ["auth:audience"] = "photo-api",
            ["Auth:Issuers:0:Authority"] = "http://127.0.0.1:5002",
            ["Auth:ValidAlgorithms"] = "RS256,ES256",
            ["Auth:ValidAlgorithms:0"] = "RS256",
            ["Auth:ScopeMap:Photos.Read.All"] = "photos.read",
            ["Limits:RequestTimeout"] = "00:00:10",
            ["Database:MigrateOnStartup"] = "false",
            ["Auth:Nonsense"] = "x",
        });

        // The one unknown key is the only complaint.
        Assert.Contains("Unknown settings (misspelt, or no longer used): Auth__Nonsense.", error, StringComparison.Ordinal);
    }

    [Fact]
    public void SectionsPhotoApiDoesNotOwn_AreLeftAlone()
    {
        var builder = Builder(new Dictionary<string, string?> { ["Logging:LogLevel:Whatever"] = "Warning", ["DevIssuer:Anything"] = "x", ["Kestrel:Limits:Foo"] = "1" });
        using var app = builder.Build();

        app.Services.GetRequiredService<IStartupValidator>().Validate();
    }

    // Several failing sections are reported together.
    private static string StartUpError(Dictionary<string, string?> settings) => ApiServices.StartUpError(Builder(settings));

    private static WebApplicationBuilder Builder(Dictionary<string, string?> settings)
    {
        foreach (var (key, value) in ApiServices.LoopbackAuth())
        {
            settings.TryAdd(key, value);
        }
        settings.TryAdd("ConnectionStrings:Photos", "Host=127.0.0.1;Database=unused");
        var builder = ApiServices.Builder(settings);
        builder.AddPhotoApiAuth();
        builder.AddPhotoData();
        builder.AddPhotos();
        builder.AddPhotoApiOverloadProtection();
        builder.AddPhotoApiOpenApi();
        builder.AddPhotoApiHttp();
        builder.AddPhotoApiProxies();
        builder.AddPhotoApiRateLimits();
        builder.AddPhotoApiRequestLog();
        return builder;
    }
}
