using PhotoApi.Auth;
using PhotoApi.Data;
using PhotoApi.Health;
using PhotoApi.Hosting;
using PhotoApi.Http;
using PhotoApi.OpenApi;
using PhotoApi.Photos;
using PhotoApi.Users;

var builder = WebApplication.CreateBuilder(args);

builder.AddPhotoApiHttp();
builder.AddPhotoData();
builder.AddPhotoApiAuth();
builder.AddPhotoApiHealth();
builder.AddPhotoApiOpenApi();
builder.Services.AddUsers();
builder.Services.AddPhotos();

var app = builder.Build();

app.UsePhotoApiHttp();
app.UsePhotoApiOpenApi();
app.UseAuthentication();
app.UseAuthorization();

app.MapHealth();
app.MapProtectedResourceMetadata();
app.MapUsers();
app.MapPhotos();

// Serve (after migrations), or run the "migrate" / "openapi" command.
return await app.RunAsync(args);

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
