using Microsoft.Extensions.Options;

namespace PhotoPrint.Web.SignIn;

/// <summary>Configuration section <c>PhotoPrint</c>: where to sign in, who we are there, and where the API is.</summary>
public sealed class PhotoPrintOptions
{
    public const string SectionName = "PhotoPrint";

    /// <summary>The issuer (OpenID Connect discovery is read from it).</summary>
    public string Authority { get; set; } = "";

    public string ClientId { get; set; } = "";

    /// <summary>Kept on the server only; in production it comes from a secret store, never from the repository.</summary>
    public string ClientSecret { get; set; } = "";

    /// <summary>PhotoApi's base URL.</summary>
    public string Api { get; set; } = "";

    public bool AuthorityIsLoopback => Uri.TryCreate(Authority, UriKind.Absolute, out var uri) && uri.IsLoopback;
}

public sealed class PhotoPrintOptionsValidator : IValidateOptions<PhotoPrintOptions>
{
    public ValidateOptionsResult Validate(string? name, PhotoPrintOptions options)
    {
        var errors = new List<string>();
        if (!Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority))
        {
            errors.Add("PhotoPrint:Authority must be an absolute URL.");
        }
        else if (authority.Scheme != Uri.UriSchemeHttps && !authority.IsLoopback)
        {
            errors.Add("PhotoPrint:Authority must use https unless it is a loopback address.");
        }

        if (string.IsNullOrWhiteSpace(options.ClientId) || string.IsNullOrWhiteSpace(options.ClientSecret))
        {
            errors.Add("PhotoPrint:ClientId and PhotoPrint:ClientSecret are required (PhotoPrint is a confidential client).");
        }

        if (!Uri.TryCreate(options.Api, UriKind.Absolute, out _))
        {
            errors.Add("PhotoPrint:Api must be an absolute URL.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
