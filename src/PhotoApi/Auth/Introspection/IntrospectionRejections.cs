namespace PhotoApi.Auth.Introspection;

/// <summary>Why introspection refused a token, or could not decide (503: not the token's fault, so clients retry).</summary>
public static class IntrospectionRejections
{
    /// <summary>RFC 7662 §2.2 <c>active: false</c>: revoked, expired, never issued, or not for us.</summary>
    public static readonly TokenRejection Inactive = new("inactive", "The access token is not active (revoked, expired, or unknown to the authorization server).");

    public static readonly TokenRejection Unavailable = new("introspection_unavailable",
        "The authorization server cannot be reached to check the access token; try again shortly.", StatusCodes.Status503ServiceUnavailable, "");

    public static readonly TokenRejection RateLimited = new("introspection_rate_limited",
        "Too many access tokens to check with the authorization server right now; try again shortly.", StatusCodes.Status503ServiceUnavailable, "");
}
