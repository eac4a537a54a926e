using System.Net;
using Duende.IdentityModel.Client;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace PhotoPrint.Web.SignIn;

/// <summary>
/// "Sign in with the dev issuer": ASP.NET Core's OpenID Connect handler runs the authorization code flow with PKCE and
/// the client secret, server-side; the session cookie is HttpOnly, SameSite=Lax, and Secure unless the app is on loopback.
/// </summary>
public static class SignInSetup
{
    public const string CookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;
    public const string OidcScheme = OpenIdConnectDefaults.AuthenticationScheme;
    public const string SessionCookieName = "photoprint.session";

    /// <summary>Who you are (openid, profile), view your photos, and stay signed in (offline_access: a refresh token).</summary>
    private static readonly string[] Scopes = ["openid", "profile", "photos.read", "offline_access"];

    public static WebApplicationBuilder AddPhotoPrintSignIn(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<PhotoPrintOptions>().BindConfiguration(PhotoPrintOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<PhotoPrintOptions>, PhotoPrintOptionsValidator>();
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton<ServerSideSessions>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHttpClient(nameof(DiscoveryCache));
        builder.Services.AddSingleton(services => new DiscoveryCache(
            services.GetRequiredService<IOptions<PhotoPrintOptions>>().Value.Authority,
            () => services.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(DiscoveryCache))));
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<UserTokens>();

        // Secure cookies outside loopback; on http://localhost a Secure cookie would never come back.
        var onLoopback = ListensOnLoopbackOnly(builder.Configuration["urls"] ?? "http://localhost:5002");
        var securePolicy = onLoopback ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;

        builder.Services.AddAuthentication(authentication =>
            {
                authentication.DefaultScheme = CookieScheme;
                authentication.DefaultChallengeScheme = OidcScheme;
            })
            .AddCookie(CookieScheme, cookie =>
            {
                cookie.Cookie.Name = SessionCookieName;
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.Cookie.SecurePolicy = securePolicy;
                cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
            })
            .AddOpenIdConnect(OidcScheme, oidc =>
            {
                oidc.ResponseType = "code";
                oidc.UsePkce = true;
                oidc.SaveTokens = true; // into the server-side session, see ServerSideSessions
                oidc.GetClaimsFromUserInfoEndpoint = true;
                oidc.MapInboundClaims = false;
                oidc.TokenValidationParameters.NameClaimType = "name";
                oidc.CallbackPath = "/callback";
                oidc.Scope.Clear();
                foreach (var scope in Scopes)
                {
                    oidc.Scope.Add(scope);
                }

                // The callback is a top-level GET from the issuer (response_mode=query): Lax cookies come along.
                oidc.CorrelationCookie.SameSite = SameSiteMode.Lax;
                oidc.CorrelationCookie.SecurePolicy = securePolicy;
                oidc.NonceCookie.SameSite = SameSiteMode.Lax;
                oidc.NonceCookie.SecurePolicy = securePolicy;

                // Denied consent (access_denied), a stale or forged callback: back to the home page with a plain message,
                // not an error page, and nothing from the callback echoed.
                oidc.Events.OnRemoteFailure = context =>
                {
                    context.Response.Redirect("/?signInFailed=1");
                    context.HandleResponse();
                    return Task.CompletedTask;
                };
            });

        builder.Services.AddOptions<CookieAuthenticationOptions>(CookieScheme)
            .Configure<ServerSideSessions>((cookie, sessions) => cookie.SessionStore = sessions);
        builder.Services.AddOptions<OpenIdConnectOptions>(OidcScheme).Configure<IOptions<PhotoPrintOptions>>((oidc, settings) =>
        {
            oidc.Authority = settings.Value.Authority;
            oidc.ClientId = settings.Value.ClientId;
            oidc.ClientSecret = settings.Value.ClientSecret;
            oidc.RequireHttpsMetadata = !settings.Value.AuthorityIsLoopback;
        });
        builder.Services.AddAuthorization();
        return builder;
    }

    public static IEndpointRouteBuilder MapSignIn(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/signin", () => TypedResults.Challenge(new AuthenticationProperties { RedirectUri = "/" }, [OidcScheme]));
        routes.MapPost("/signout", SignOut);
        return routes;
    }

    /// <summary>Revoke the refresh token at the issuer (RFC 7009), then end the local session.</summary>
    public static async Task<Results<RedirectHttpResult, ProblemHttpResult>> SignOut(HttpContext http, UserTokens tokens, IAntiforgery antiforgery)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Reload the page and sign out again.");
        }

        await tokens.RevokeAsync(http.RequestAborted);
        await http.SignOutAsync(CookieScheme);
        return TypedResults.Redirect("/?signedOut=1");
    }

    private static bool ListensOnLoopbackOnly(string urls) =>
        urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).All(url =>
            Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri)
            && (uri.IsLoopback || (IPAddress.TryParse(uri.Host, out var ip) && IPAddress.IsLoopback(ip))));
}
