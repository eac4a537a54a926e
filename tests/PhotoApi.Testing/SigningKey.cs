namespace PhotoApi.Testing;

/// <summary>A key a test issuer signs with, and the public JWK it publishes.</summary>
public sealed class SigningKey
{
    private SigningKey(string keyId, string algorithm, AsymmetricSecurityKey key, Dictionary<string, object> publicJwk)
    {
        KeyId = keyId;
        Algorithm = algorithm;
        Key = key;
        PublicJwk = publicJwk;
    }

    public string KeyId { get; }

    public string Algorithm { get; }

    public AsymmetricSecurityKey Key { get; }

    /// <summary>The public part only, as published in the JWKS.</summary>
    public Dictionary<string, object> PublicJwk { get; }

    public static SigningKey Rsa(string keyId, string algorithm = "RS256", int bits = 2048)
    {
        var rsa = System.Security.Cryptography.RSA.Create(bits);
        var parameters = rsa.ExportParameters(false);
        return new SigningKey(keyId, algorithm, new RsaSecurityKey(rsa) { KeyId = keyId }, new Dictionary<string, object>
        {
            ["kty"] = "RSA",
            ["use"] = "sig",
            ["kid"] = keyId,
            ["alg"] = algorithm,
            ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
            ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
        });
    }

    public static SigningKey EC(string keyId, string algorithm = "ES256")
    {
        var curve = algorithm switch
        {
            "ES384" => ECCurve.NamedCurves.nistP384,
            "ES512" => ECCurve.NamedCurves.nistP521,
            _ => ECCurve.NamedCurves.nistP256,
        };
        var ecdsa = ECDsa.Create(curve);
        var parameters = ecdsa.ExportParameters(false);
        return new SigningKey(keyId, algorithm, new ECDsaSecurityKey(ecdsa) { KeyId = keyId }, new Dictionary<string, object>
        {
            ["kty"] = "EC",
            ["use"] = "sig",
            ["kid"] = keyId,
            ["alg"] = algorithm,
            ["crv"] = algorithm switch { "ES384" => "P-384", "ES512" => "P-521", _ => "P-256" },
            ["x"] = Base64UrlEncoder.Encode(parameters.Q.X),
            ["y"] = Base64UrlEncoder.Encode(parameters.Q.Y),
        });
    }

    /// <summary>The same key pair, published with other JWK members (null removes one), or signing with another algorithm.</summary>
    public SigningKey With(string? signingAlgorithm = null, params (string Member, object? Value)[] jwk)
    {
        var published = new Dictionary<string, object>(PublicJwk);
        foreach (var (member, value) in jwk)
        {
            if (value is null)
            {
                published.Remove(member);
            }
            else
            {
                published[member] = value;
            }
        }
        return new SigningKey(KeyId, signingAlgorithm ?? Algorithm, Key, published);
    }

    /// <summary>The same key id and algorithm, but a different key pair (a forger who guessed the kid).</summary>
    public SigningKey Impostor() => Key is RsaSecurityKey ? Rsa(KeyId, Algorithm) : EC(KeyId, Algorithm);

    /// <summary>The public key as PEM (SubjectPublicKeyInfo), as an attacker would find it.</summary>
    public string PublicPem() => Key switch
    {
        RsaSecurityKey rsa => rsa.Rsa.ExportSubjectPublicKeyInfoPem(),
        ECDsaSecurityKey ec => ec.ECDsa.ExportSubjectPublicKeyInfoPem(),
        _ => throw new InvalidOperationException(),
    };

    public string PublicJwkJson() => JsonSerializer.Serialize(PublicJwk);

    public byte[] Modulus() => ((RsaSecurityKey)Key).Rsa.ExportParameters(false).Modulus!;
}

/// <summary>Compact JWS by hand, so tests control every byte of header and payload (attacks included).</summary>
public static class Jws
{
    /// <summary>Changes a header or claim set the way a test asks: a value adds or replaces a member, null removes it.</summary>
    public static void Merge(Dictionary<string, object?> target, IDictionary<string, object?>? changes)
    {
        foreach (var (name, value) in changes ?? new Dictionary<string, object?>())
        {
            if (value is null)
            {
                target.Remove(name);
            }
            else
            {
                target[name] = value;
            }
        }
    }

    public static string Encode(object header, object payload, SigningKey? key) =>
        EncodeRaw(JsonSerializer.Serialize(header), JsonSerializer.Serialize(payload), key);

    public static string EncodeRaw(string headerJson, string payloadJson, SigningKey? key)
    {
        var signingInput = $"{Base64UrlEncoder.Encode(headerJson)}.{Base64UrlEncoder.Encode(payloadJson)}";
        if (key is null)
        {
            return signingInput + ".";
        }
        var provider = key.Key.CryptoProviderFactory.CreateForSigning(key.Key, key.Algorithm);
        try
        {
            return $"{signingInput}.{Base64UrlEncoder.Encode(provider.Sign(Encoding.ASCII.GetBytes(signingInput)))}";
        }
        finally
        {
            key.Key.CryptoProviderFactory.ReleaseSignatureProvider(provider);
        }
    }

    /// <summary>HMAC-signs with arbitrary secret bytes: the algorithm-confusion attack (public key used as HMAC secret).</summary>
    public static string EncodeHmac(object header, object payload, byte[] secret, string algorithm)
    {
        var signingInput = $"{Base64UrlEncoder.Encode(JsonSerializer.Serialize(header))}.{Base64UrlEncoder.Encode(JsonSerializer.Serialize(payload))}";
        var data = Encoding.ASCII.GetBytes(signingInput);
        var mac = algorithm switch
        {
            "HS256" => HMACSHA256.HashData(secret, data),
            "HS384" => HMACSHA384.HashData(secret, data),
            "HS512" => HMACSHA512.HashData(secret, data),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
        };
        return $"{signingInput}.{Base64UrlEncoder.Encode(mac)}";
    }
}
