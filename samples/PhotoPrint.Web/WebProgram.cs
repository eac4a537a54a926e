using PhotoPrint.Web.Photos;
using PhotoPrint.Web.SignIn;

namespace PhotoPrint.Web;

/// <summary>
/// PhotoPrint, the classic OAuth client: a web app with a backend (a confidential client). The browser only ever holds
/// a session cookie; the tokens stay on the server (backend-for-frontend). Not top-level statements: the tests load
/// this beside PhotoApi's own Program.
/// </summary>
public sealed class WebProgram
{
    private WebProgram()
    {
    }

    public static void Main(string[] args) => Build(args).Run();

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls("http://localhost:5002"); // the redirect URI registered for photoprint is http://localhost:5002/callback
        }

        builder.AddPhotoPrintSignIn();
        builder.AddPhotoApiClient();
        builder.Services.AddAntiforgery();
        builder.Services.AddProblemDetails();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapSignIn();
        app.MapPhotoPages();
        return app;
    }
}
