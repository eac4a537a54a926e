using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using PhotoApi.Jose;

namespace PhotoApi.Auth;

/// <summary>A proof that passed, or why it did not; <see cref="RenewNonce"/> when the client should get a fresh nonce (RFC 9449 §8.2).</summary>
public readonly record struct DpopProofResult(TokenRejection? Rejection, bool RenewNonce = false);

/// <summary>
/// RFC 9449 §4.3: checks one DPoP proof against the request it came with and the access token it accompanies. The checks
/// that need no request (form, typ, alg, jwk, signature) are the shared <see cref="DpopProofReader"/>'s; these are the rest.
/// </summary>
public sealed class DpopProofValidator
{
    private readonly DpopProofReader _reader;
    private readonly TimeSpan _lifetime;
    private readonly TimeSpan _clockSkew;
    private readonly Uri? _resource;
    private readonly DpopNonce _nonce;
    private readonly IDpopReplayCache _replays;
    private readonly TimeProvider _time;

    public DpopProofValidator(IOptions<AuthOptions> options, DpopNonce nonce, IDpopReplayCache replays, TimeProvider time)
    {
        var auth = options.Value;
        _reader = new DpopProofReader(auth.Dpop.Algorithms);
        _lifetime = auth.Dpop.ProofLifetime;
        _clockSkew = auth.ClockSkew;
        _resource = auth.ResourceUri is { } resource ? new Uri(resource) : null;
        _nonce = nonce;
        _replays = replays;
        _time = time;
    }

    /// <summary>Checks <paramref name="proof"/> for <paramref name="request"/>, bound to <paramref name="accessToken"/> whose <c>cnf.jkt</c> is <paramref name="jkt"/>.</summary>
    public async ValueTask<DpopProofResult> ValidateAsync(string proof, HttpRequest request, string accessToken, string jkt)
    {
        var (claims, fault) = await _reader.ReadAsync(proof);
        if (claims is null)
        {
            return new(fault switch
            {
                DpopProofFault.WrongType => TokenRejection.DpopWrongType,
                DpopProofFault.Algorithm => TokenRejection.DpopAlgorithm,
                DpopProofFault.Key => TokenRejection.DpopKey,
                DpopProofFault.Signature => TokenRejection.DpopSignature,
                _ => TokenRejection.DpopMalformed,
            });
        }
        // §4.3 check 8: the method the client sent (HEAD stays HEAD while routed as GET); RFC 9110 §9.1: case-sensitive.
        if (!string.Equals(claims.Htm, Http.HeadRequests.ClientMethod(request.HttpContext), StringComparison.Ordinal))
        {
            return new(TokenRejection.DpopMethod);
        }
        // §4.3 check 9: htu and the request's URI compared after RFC 3986 §6 normalisation, without query and fragment.
        if (DpopProofReader.Normalize(claims.Htu) is not { } proofUri || !string.Equals(proofUri, RequestUri(request), StringComparison.Ordinal))
        {
            return new(TokenRejection.DpopUri);
        }
        // §4.3 check 11, §11.1: iat within the window; ahead of our clock by at most the clock skew.
        var now = _time.GetUtcNow();
        if (claims.IssuedAt > now + _clockSkew)
        {
            return new(TokenRejection.DpopFuture);
        }
        if (claims.IssuedAt < now - _lifetime)
        {
            return new(TokenRejection.DpopStale);
        }
        // §4.3 check 10, §9: a nonce we issued, when nonces are on.
        var renew = false;
        if (_nonce.Required && (claims.Nonce is not { } nonce || !_nonce.Check(nonce, out renew)))
        {
            return new(TokenRejection.DpopBadNonce);
        }
        // §4.3 check 12 / §7.1: ath is base64url(SHA-256(ASCII(access token))).
        if (!string.Equals(claims.Ath, AccessTokenHash(accessToken), StringComparison.Ordinal))
        {
            return new(TokenRejection.DpopAccessTokenHash);
        }
        // §6.1, §7.1: the token's cnf.jkt is the RFC 7638 thumbprint of the proof's key.
        if (!string.Equals(claims.Key.Thumbprint, jkt, StringComparison.Ordinal))
        {
            return new(TokenRejection.DpopKeyMismatch);
        }
        // §11.1: single use within the window; recorded last so that only proofs that passed use up a jti.
        return await _replays.TryUseAsync(claims.Key.Thumbprint, claims.Jti, claims.IssuedAt + _lifetime) switch
        {
            ReplayCheck.New => new(null, renew),
            ReplayCheck.Replayed => new(TokenRejection.DpopReplayed),
            // Older than the in-process cache can still vouch for under load: §11.1 leaves the accepted age to the server.
            ReplayCheck.TooOld => new(TokenRejection.DpopStale),
            ReplayCheck.Unavailable => new(TokenRejection.DpopReplayCacheUnavailable),
            _ => new(TokenRejection.DpopReplayCacheFull),
        };
    }

    /// <summary>base64url(SHA-256(token)), the <c>ath</c> a proof for this token carries.</summary>
    public static string AccessTokenHash(string accessToken)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        var length = Encoding.ASCII.GetByteCount(accessToken);
        var bytes = length <= 8192 ? stackalloc byte[length] : new byte[length];
        Encoding.ASCII.GetBytes(accessToken, bytes);
        SHA256.HashData(bytes, digest);
        return Base64Url.EncodeToString(digest);
    }

    /// <summary>The request's public URL without query: Auth__ResourceUri's scheme, host and port when set, else the request's own.</summary>
    public string? RequestUri(HttpRequest request)
    {
        var origin = _resource is { } resource ? resource.GetLeftPart(UriPartial.Authority) : $"{request.Scheme}://{request.Host.ToUriComponent()}";
        return DpopProofReader.Normalize(origin + request.PathBase.ToUriComponent() + request.Path.ToUriComponent());
    }
}
