using System.Text.Json;
using System.Text.Json.Serialization;
using PhotoApi.Auth;
using PhotoApi.Photos;
using PhotoApi.Users;

namespace PhotoApi.Http;

/// <summary>Source-generated JSON for every response shape: no reflection on the hot path.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PhotoResponse))]
[JsonSerializable(typeof(PhotoPage))]
[JsonSerializable(typeof(MeResponse))]
[JsonSerializable(typeof(Albums.AlbumResponse))]
[JsonSerializable(typeof(Albums.AlbumPage))]
[JsonSerializable(typeof(Albums.AlbumPhotoPage))]
[JsonSerializable(typeof(Admin.UsageResponse))]
[JsonSerializable(typeof(ProtectedResourceDocument))]
[JsonSerializable(typeof(Health.HealthReportResponse))]
internal sealed partial class PhotoApiJsonContext : JsonSerializerContext;
