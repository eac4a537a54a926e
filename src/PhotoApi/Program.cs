using PhotoApi.Admin;
using PhotoApi.Albums;
using PhotoApi.Auth;
using PhotoApi.Data;
using PhotoApi.Health;
using PhotoApi.Hosting;
using PhotoApi.Http;
using PhotoApi.Observability;
using PhotoApi.OpenApi;
using PhotoApi.Photos;
using PhotoApi.Photos.Content;
using PhotoApi.Traffic;
using PhotoApi.Users;

var builder = WebApplication.CreateBuilder(args);

builder.AddPhotoApiHttp();
builder.AddPhotoApiHardening();
builder.AddPhotoApiProxies();
builder.AddPhotoApiRequestLog();
builder.AddPhotoApiTelemetry();
builder.AddPhotoData();
builder.AddPhotoApiAuth();
builder.AddPhotoApiOverloadProtection();
builder.AddPhotoApiRateLimits();
builder.AddPhotoApiHealth();
builder.AddPhotoApiOpenApi();
builder.Services.AddUsers();
builder.AddPhotos();
builder.Services.AddAlbums();
builder.Services.AddAdmin();

var app = builder.Build();

// The pipeline, in order: who the client is, errors as problems, HEAD as GET, then limits before work.
app.UsePhotoApiProxies();
app.UsePhotoApiRequestLog();
app.UsePhotoApiHttp();
app.UseSecurityHeaders();
app.UseHeadAsGet();
app.UsePhotoApiOpenApi();
app.UseRouting();
app.UseAddressRateLimit();
app.UseAuthentication();
app.UseRateLimiter();
app.UseRequestTimeouts();
app.UseAuthorization();
app.UseHeadForEndpoints();

app.MapHealth();
app.MapProtectedResourceMetadata();
app.MapSwaggerDiscovery();
app.MapUsers();
app.MapPhotos();
app.MapPhotoContent();
app.MapAlbums();
app.MapAdmin();

// Serve (after migrations), or run the "migrate" / "openapi" command.
return await app.RunAsync(args);

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
