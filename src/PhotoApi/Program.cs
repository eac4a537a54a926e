using PhotoApi.Auth;
using PhotoApi.Data;
using PhotoApi.Health;
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

if (args is ["migrate"])
{
    await app.MigrateAsync();
    return;
}
await app.MigrateIfConfiguredAsync();

app.UsePhotoApiHttp();
app.UsePhotoApiOpenApi();
app.UseAuthentication();
app.UseAuthorization();

app.MapHealth();
app.MapProtectedResourceMetadata();
app.MapUsers();
app.MapPhotos();

app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
