namespace PhotoApi.DevIssuer.Configuration;

/// <summary>The scopes this issuer knows, and how the consent page words them.</summary>
public static class PhotoScopes
{
    public const string Read = "photos.read";
    public const string Write = "photos.write";
    public const string Admin = "photos.admin";
    public const string OpenId = "openid";
    public const string OfflineAccess = "offline_access";
    public const string Profile = "profile";
    public const string Email = "email";

    public static readonly IReadOnlyList<string> All = [Read, Write, Admin, OpenId, Profile, Email, OfflineAccess];

    public static readonly IReadOnlyList<string> ApiScopes = [Read, Write, Admin];

    public static string Describe(string scope) => scope switch
    {
        Read => "view your photos",
        Write => "add, change and delete your photos",
        Admin => "read usage totals for all users",
        OfflineAccess => "keep access when you are not using it",
        OpenId => "know who you are",
        Profile => "see your name",
        Email => "see your email address",
        _ => scope,
    };
}

public static class GrantTypeNames
{
    public const string AuthorizationCode = "authorization_code";
    public const string RefreshToken = "refresh_token";
    public const string ClientCredentials = "client_credentials";
    public const string DeviceCode = "urn:ietf:params:oauth:grant-type:device_code";

    public static readonly IReadOnlyList<string> All = [AuthorizationCode, RefreshToken, ClientCredentials, DeviceCode];
}
