using Microsoft.IdentityModel.Tokens;

namespace PhotoApi.Auth;

/// <summary>
/// Why a request's token was refused, with the short description PhotoApi sends back (RFC 6750 §3 <c>error_description</c>).
/// Descriptions never echo the token or the values inside it (issuer, audience), only what kind of defect it has.
/// </summary>
public sealed record TokenRejection(string Code, string Description, int Status = StatusCodes.Status401Unauthorized, string Error = "invalid_token")
{
    public static readonly TokenRejection Malformed = new("malformed", "The access token is malformed.");
    public static readonly TokenRejection TooLarge = new("too_large", "The access token is too large.");
    public static readonly TokenRejection Encrypted = new("encrypted", "Encrypted access tokens are not accepted.");
    public static readonly TokenRejection DuplicateClaims = new("duplicate_claims", "The access token has duplicate JSON members.");
    public static readonly TokenRejection UntrustedIssuer = new("untrusted_issuer", "The access token was not issued by a trusted authorization server.");
    public static readonly TokenRejection UnknownSigningKey = new("unknown_key", "The access token is signed with an unknown key.");
    public static readonly TokenRejection BadSignature = new("bad_signature", "The access token signature is invalid.");
    public static readonly TokenRejection AlgorithmNotAllowed = new("algorithm", "The access token is signed with an algorithm that is not allowed.");
    public static readonly TokenRejection Expired = new("expired", "The access token expired.");
    public static readonly TokenRejection NotYetValid = new("not_yet_valid", "The access token is not valid yet.");
    public static readonly TokenRejection NoExpiration = new("no_expiration", "The access token has no expiration time.");
    public static readonly TokenRejection WrongAudience = new("audience", "The access token is not intended for this resource.");
    public static readonly TokenRejection WrongType = new("type", "The token type is not accepted; an RFC 9068 access token (typ at+jwt) is required.");
    public static readonly TokenRejection NotAnAccessToken = new("not_access_token", "The token is not an access token.");
    public static readonly TokenRejection Invalid = new("invalid", "The access token is invalid.");
    public static readonly TokenRejection CriticalExtension = new("crit", "The access token names a critical header extension this resource server does not support.");
    public static readonly TokenRejection UnencodedPayload = new("b64", "Access tokens with an unencoded payload (b64) are not accepted.");
    public static readonly TokenRejection WrongClaimType = new("claim_type", "The access token has a claim of the wrong JSON type.");
    public static readonly TokenRejection IssuedInTheFuture = new("issued_in_future", "The access token was issued in the future.");
    public static readonly TokenRejection KeyAlgorithmMismatch = new("key_algorithm", "The access token's algorithm is not one its signing key may be used with.");

    // Sender constraints (RFC 9449 §4.3, §7; RFC 8705 §3). Proof defects are invalid_dpop_proof; a wrong binding is invalid_token (§7.1).
    public static readonly TokenRejection DpopProofMissing = Proof("dpop_missing", "The DPoP scheme needs exactly one DPoP header with a proof.");
    public static readonly TokenRejection DpopMalformed = Proof("dpop_malformed", "The DPoP proof is malformed.");
    public static readonly TokenRejection DpopWrongType = Proof("dpop_type", "The DPoP proof's typ is not dpop+jwt.");
    public static readonly TokenRejection DpopAlgorithm = Proof("dpop_algorithm", "The DPoP proof is signed with an algorithm that is not allowed.");
    public static readonly TokenRejection DpopKey = Proof("dpop_key", "The DPoP proof's jwk is not an allowed public key.");
    public static readonly TokenRejection DpopSignature = Proof("dpop_signature", "The DPoP proof's signature is invalid.");
    public static readonly TokenRejection DpopMethod = Proof("dpop_htm", "The DPoP proof is for another HTTP method.");
    public static readonly TokenRejection DpopUri = Proof("dpop_htu", "The DPoP proof is for another URI.");
    public static readonly TokenRejection DpopStale = Proof("dpop_stale", "The DPoP proof is too old.");
    public static readonly TokenRejection DpopFuture = Proof("dpop_future", "The DPoP proof was issued in the future.");
    public static readonly TokenRejection DpopReplayed = Proof("dpop_replayed", "The DPoP proof was used before.");
    public static readonly TokenRejection DpopAccessTokenHash = Proof("dpop_ath", "The DPoP proof's ath does not match the access token.");
    public static readonly TokenRejection DpopBadNonce = new("dpop_nonce", "The DPoP proof needs a current nonce from the DPoP-Nonce header.", Error: "use_dpop_nonce");
    public static readonly TokenRejection DpopKeyMismatch = new("dpop_binding", "The DPoP proof's key is not the key the access token is bound to.");
    public static readonly TokenRejection NotDpopBound = new("not_dpop_bound", "The access token is not DPoP-bound; send it with the Bearer scheme.");
    public static readonly TokenRejection DpopBoundAsBearer = new("dpop_downgrade", "The access token is DPoP-bound; send it with the DPoP scheme and a proof.");
    public static readonly TokenRejection SenderConstraintRequired = new("not_sender_constrained", "Only sender-constrained (DPoP- or certificate-bound) access tokens are accepted.");
    public static readonly TokenRejection CertificateMismatch = new("certificate_binding", "The access token is bound to a client certificate this request did not present.");
    public static readonly TokenRejection MalformedConfirmation = new("cnf", "The access token's cnf claim is malformed.");
    public static readonly TokenRejection DpopReplayCacheFull = new("dpop_replay_cache_full", "Too many DPoP proofs at once; try again shortly.", StatusCodes.Status503ServiceUnavailable, "");

    /// <summary>The shared replay cache (Redis) cannot be asked: a proof whose single use is unchecked is not accepted (fail closed).</summary>
    public static readonly TokenRejection DpopReplayCacheUnavailable = new("dpop_replay_cache_unavailable", "DPoP proofs cannot be checked right now; try again shortly.", StatusCodes.Status503ServiceUnavailable, "");

    /// <summary>A DPoP proof with the Bearer scheme: the client confuses the schemes, and a bound token must not pass as Bearer (RFC 9449 §7.2).</summary>
    public static readonly TokenRejection DpopProofWithBearer = new("dpop_with_bearer", "A DPoP proof was sent with the Bearer scheme; use 'Authorization: DPoP <token>'.", StatusCodes.Status400BadRequest, "invalid_request");

    /// <summary>RFC 6750 §3.1 invalid_request: "uses more than one method for including an access token" / repeats a parameter.</summary>
    public static readonly TokenRejection MultipleCredentials = new("invalid_request", "The request carries more than one Authorization header.", StatusCodes.Status400BadRequest, "invalid_request");

    /// <summary>Not the token's fault: the issuer's keys could never be fetched. 503 so clients retry instead of discarding a good token.</summary>
    public static readonly TokenRejection KeysUnavailable = new("keys_unavailable", "The authorization server's signing keys are unavailable; try again shortly.", StatusCodes.Status503ServiceUnavailable, "");

    private static TokenRejection Proof(string code, string description) => new(code, description, Error: "invalid_dpop_proof");

    /// <summary>Maps IdentityModel's validation exceptions onto PhotoApi's fixed descriptions.</summary>
    public static TokenRejection From(Exception? exception) => exception switch
    {
        AccessTokenRejectedException rejected => rejected.Rejection,
        SecurityTokenExpiredException => Expired,
        SecurityTokenNotYetValidException => NotYetValid,
        SecurityTokenNoExpirationException => NoExpiration,
        SecurityTokenInvalidAudienceException => WrongAudience,
        SecurityTokenInvalidIssuerException => UntrustedIssuer,
        SecurityTokenInvalidAlgorithmException => AlgorithmNotAllowed,
        SecurityTokenInvalidTypeException => WrongType,
        SecurityTokenSignatureKeyNotFoundException => UnknownSigningKey,
        SecurityTokenInvalidSignatureException => BadSignature,
        SecurityTokenMalformedException or ArgumentException => Malformed,
        _ => Invalid,
    };
}

/// <summary>A token refused by PhotoApi's own checks (as opposed to IdentityModel's).</summary>
public sealed class AccessTokenRejectedException(TokenRejection rejection) : SecurityTokenException(rejection.Description)
{
    public TokenRejection Rejection { get; } = rejection;
}
