using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.Cookies;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace PhotoApi.DevIssuer.Account;

/// <summary>What the sign-in cookie remembers: who, when (auth_time) and how (acr).</summary>
public sealed record SignInSession(string Subject, long AuthTime, string Acr)
{
    public const string Scheme = CookieAuthenticationDefaults.AuthenticationScheme;

    public ClaimsPrincipal ToPrincipal() => new(new ClaimsIdentity(
        [
            new Claim(Claims.Subject, Subject),
            new Claim(Claims.AuthenticationTime, AuthTime.ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64),
            new Claim(Claims.AuthenticationContextReference, Acr),
        ],
        Scheme,
        Claims.Subject,
        Claims.Role));

    public static SignInSession? From(ClaimsPrincipal? principal)
    {
        var subject = principal?.FindFirst(Claims.Subject)?.Value;
        var authTime = principal?.FindFirst(Claims.AuthenticationTime)?.Value;
        var acr = principal?.FindFirst(Claims.AuthenticationContextReference)?.Value;
        return subject is null || acr is null
            || !long.TryParse(authTime, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? null
            : new SignInSession(subject, seconds, acr);
    }
}
