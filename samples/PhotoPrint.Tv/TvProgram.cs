namespace PhotoPrint.Tv;

/// <summary>
/// PhotoPrint for TV: signs in with the device flow, lists the user's photos, and revokes its refresh token on exit.
/// <c>dotnet run --project samples/PhotoPrint.Tv -- --issuer http://localhost:5001 --api http://localhost:5000</c>
/// </summary>
public static class TvProgram
{
    public static async Task<int> Main(string[] args)
    {
        var options = new TvOptions(new Uri(Argument(args, "--issuer") ?? "http://localhost:5001"), new Uri(Argument(args, "--api") ?? "http://localhost:5000"));
        using var quit = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true; // Leave through the finally below, so the refresh token is revoked.
            quit.Cancel();
        };

        using var http = new HttpClient();
        var signIn = new DeviceSignIn(http, options, TimeProvider.System);
        TvSession? session = null;
        try
        {
            var device = await signIn.StartAsync(quit.Token);
            Console.WriteLine($"To sign in, open {device.VerificationUri} on your phone and enter the code {device.UserCode}");
            if (device.VerificationUriComplete is not null)
            {
                Console.WriteLine($"  (or open {device.VerificationUriComplete})");
            }

            Console.WriteLine("Waiting for you to allow PhotoPrint for TV...");
            session = await signIn.WaitForApprovalAsync(device, quit.Token);
            Console.WriteLine($"Signed in as {await session.UserNameAsync(quit.Token) ?? "(unknown)"}.");

            do
            {
                var photos = await session.ListPhotosAsync(quit.Token);
                Console.WriteLine($"{photos.Count} photo(s):");
                foreach (var photo in photos)
                {
                    Console.WriteLine($"  {photo.Title,-40} {(photo.SizeBytes is { } size ? $"{size:N0} bytes" : "no content yet")}");
                }

                Console.WriteLine("Press Enter to list again, or q and Enter to quit.");
            }
            while (Console.ReadLine() is { } line && !line.Trim().Equals("q", StringComparison.OrdinalIgnoreCase));
            return 0;
        }
        catch (DeviceSignInException ex)
        {
            Console.Error.WriteLine($"Sign-in failed: {ex.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (quit.IsCancellationRequested)
        {
            return 130;
        }
        finally
        {
            if (session is not null)
            {
                await session.SignOutAsync(CancellationToken.None);
                Console.WriteLine("Signed out: the refresh token is revoked.");
            }
        }
    }

    private static string? Argument(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
