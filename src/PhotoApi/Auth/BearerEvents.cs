using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace PhotoApi.Auth;

/// <summary>
/// What JwtBearer does on each request, in order: read the Authorization header (Bearer or DPoP, nothing else), check the
/// validated token's sender binding and, for writes, that it is still active; challenges are written by <see cref="BearerChallenge"/>.
/// </summary>
public static class BearerEvents
{
    /// <summary>JwtBearer's events: read the header, check the token's sender binding on every request, write the challenges.</summary>
    public static JwtBearerEvents Create(SenderConstraint senderConstraint, Introspection.TokenIntrospector introspector) => new()
    {
        OnMessageReceived = context => ReadAuthorizationHeader(context, senderConstraint),
        OnTokenValidated = async context =>
        {
            await senderConstraint.CheckAsync(context);
            if (context.Result is null)
            {
                await introspector.CheckJwtStillActiveAsync(context); // revocation for writes (Auth__Introspection__Jwts)
            }
        },
        OnChallenge = BearerChallenge.WriteChallengeAsync,
    };

    // RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; RFC 9449 §7.1: "DPoP" 1*SP token68. Only the header is read: RFC 6750 §2.3 (query) is not supported.
    private static Task ReadAuthorizationHeader(MessageReceivedContext context, SenderConstraint senderConstraint)
    {
        var headers = context.Request.Headers.Authorization;
        if (headers.Count == 0)
        {
            context.NoResult();
            return Task.CompletedTask;
        }
        if (headers.Count > 1)
        {
            context.Fail(new AccessTokenRejectedException(TokenRejection.MultipleCredentials));
            return Task.CompletedTask;
        }

        var value = headers[0] ?? "";
        // The scheme is case-insensitive (RFC 9110 §11.1), so "bearer" and "dpop" are accepted too.
        var dpop = senderConstraint.DpopEnabled && value.StartsWith("DPoP", StringComparison.OrdinalIgnoreCase) && (value.Length == 4 || value[4] == ' ');
        if (!dpop && (!value.StartsWith("Bearer", StringComparison.OrdinalIgnoreCase) || (value.Length > 6 && value[6] != ' ')))
        {
            context.NoResult();
            return Task.CompletedTask;
        }
        var proofs = senderConstraint.DpopEnabled ? context.Request.Headers["DPoP"].Count : 0;
        if (dpop && proofs != 1)
        {
            // RFC 9449 §4.3 check 1: exactly one DPoP header.
            context.Fail(new AccessTokenRejectedException(TokenRejection.DpopProofMissing));
            return Task.CompletedTask;
        }
        if (!dpop && proofs > 0)
        {
            context.Fail(new AccessTokenRejectedException(TokenRejection.DpopProofWithBearer));
            return Task.CompletedTask;
        }

        var token = value.AsSpan(dpop ? 4 : 6).Trim(' ');
        if (token.IsEmpty || !IsB64Token(token))
        {
            context.Fail(new AccessTokenRejectedException(TokenRejection.Malformed));
            return Task.CompletedTask;
        }
        context.Token = token.ToString();
        return Task.CompletedTask;
    }

    // b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
    private static bool IsB64Token(ReadOnlySpan<char> token)
    {
        var end = token.Length;
        while (end > 0 && token[end - 1] == '=')
        {
            end--;
        }
        if (end == 0)
        {
            return false;
        }
        foreach (var c in token[..end])
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or '+' or '/'))
            {
                return false;
            }
        }
        return true;
    }
}
