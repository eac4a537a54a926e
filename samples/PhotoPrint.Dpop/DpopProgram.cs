namespace PhotoPrint.Dpop;

/// <summary>
/// PhotoPrint's DPoP story: make a key, get a token bound to it, call the API with proofs, then show that the same
/// token is worthless to a thief, as a Bearer token or with another key.
/// <c>dotnet run --project samples/PhotoPrint.Dpop -- --issuer http://localhost:5001 --api http://localhost:5000</c>
/// </summary>
public static class DpopProgram
{
    public const string UsagePath = "/v1/admin/usage";

    public static async Task<int> Main(string[] args)
    {
        var options = new DpopClientOptions(
            new Uri(Argument(args, "--issuer") ?? "http://localhost:5001"),
            new Uri(Argument(args, "--api") ?? "http://localhost:5000"));
        using var http = new HttpClient();
        using var key = new DpopKey();
        var client = new DpopClient(http, options, key);
        Console.WriteLine($"1. Made an EC P-256 key pair; its RFC 7638 thumbprint is {key.Thumbprint}.");

        try
        {
            await client.GetTokenAsync();
        }
        catch (TokenRequestException ex)
        {
            Console.Error.WriteLine($"The issuer refused the token request: {ex.Message}");
            return 1;
        }
        Console.WriteLine($"2. Got an access token from {options.Issuer} with token_type {client.TokenType}, bound to that key.");

        using (var usage = await client.GetAsync(UsagePath))
        {
            Console.WriteLine($"3. GET {UsagePath} with Authorization: DPoP and a proof: {(int)usage.StatusCode} {usage.StatusCode}");
            if (!usage.IsSuccessStatusCode)
            {
                return 1;
            }
        }

        using (var bearer = await client.GetAsBearerAsync(UsagePath))
        {
            Console.WriteLine($"4. The same token replayed as a Bearer token: {(int)bearer.StatusCode} {Challenge(bearer)}");
        }

        using (var thief = await client.GetWithAnotherKeyAsync(UsagePath))
        {
            Console.WriteLine($"5. The same token with a proof of another key: {(int)thief.StatusCode} {Challenge(thief)}");
        }
        return 0;
    }

    private static string Challenge(HttpResponseMessage response) => string.Join(", ", response.Headers.WwwAuthenticate);

    private static string? Argument(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
