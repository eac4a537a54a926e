using PhotoApi.Admin;
using PhotoApi.Albums;
using PhotoApi.Auth;
using PhotoApi.Data;
using PhotoApi.Health;
using PhotoApi.Hosting;
using PhotoApi.Http;
using PhotoApi.OpenApi;
using PhotoApi.Photos;
using PhotoApi.Photos.Content;
using PhotoApi.Users;

var builder = WebApplication.CreateBuilder(args);

builder.AddPhotoApiHttp();
builder.AddPhotoApiRequestLog();
builder.AddPhotoData();
builder.AddPhotoApiAuth();
builder.AddPhotoApiOverloadProtection();
builder.AddPhotoApiRateLimits();
builder.AddPhotoApiHealth();
builder.AddPhotoApiOpenApi();
builder.Services.AddUsers();
builder.AddPhotos();
builder.Services.AddAlbums();

var app = builder.Build();

app.UsePhotoApiRequestLog();
app.UsePhotoApiHttp();
app.UsePhotoApiOpenApi();
app.UseAuthentication();
app.UseRateLimiter();
app.UseRequestTimeouts();
app.UseAuthorization();

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
