using System.Net.Sockets;
using System.Text;

namespace PhotoApi.Tests.Infrastructure;

/// <summary>
/// Sends a request byte for byte over a socket, for what HttpClient refuses to produce: two header lines with the same
/// name, invalid UTF-8, oversized headers.
/// </summary>
public static class RawHttp
{
    /// <summary>The answer; <see cref="Status"/> is 0 when the server closed the connection without one.</summary>
    public sealed record Response(int Status, string Headers, string Body);

    public static async Task<Response> SendAsync(Uri baseAddress, string method, string path, IEnumerable<string> headerLines, byte[]? body = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(baseAddress.Host, baseAddress.Port);
        await using var stream = client.GetStream();
        var head = new StringBuilder()
            .Append($"{method} {path} HTTP/1.1\r\n")
            .Append($"Host: {baseAddress.Authority}\r\n")
            .Append("Connection: close\r\n");
        foreach (var line in headerLines)
        {
            head.Append(line).Append("\r\n");
        }
        if (body is not null)
        {
            head.Append($"Content-Length: {body.Length}\r\n");
        }
        head.Append("\r\n");
        try
        {
            await stream.WriteAsync(Encoding.Latin1.GetBytes(head.ToString()));
            if (body is not null)
            {
                await stream.WriteAsync(body);
            }
        }
        catch (IOException)
        {
            // The server may answer and close while a huge request is still being written (431 for oversized headers).
        }

        return Parse(await ReadToCloseAsync(stream, Timeout.InfiniteTimeSpan));
    }

    /// <summary>
    /// Sends <paramref name="request"/> exactly as given (request line, headers, framing: nothing is added), optionally
    /// closes the sending side (so a truncated body really ends; Kestrel then treats the client as gone and may not
    /// answer), and reads until the server closes or <paramref name="wait"/> passes.
    /// </summary>
    public static async Task<Response> SendBytesAsync(Uri baseAddress, byte[] request, bool endOfInput = false, TimeSpan? wait = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(baseAddress.Host, baseAddress.Port);
        await using var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(request);
            if (endOfInput)
            {
                client.Client.Shutdown(SocketShutdown.Send);
            }
        }
        catch (IOException)
        {
            // The server may answer and close before it has read everything.
        }
        catch (SocketException)
        {
        }
        return Parse(await ReadToCloseAsync(stream, wait ?? TimeSpan.FromSeconds(10)));
    }

    /// <summary><see cref="SendBytesAsync(Uri, byte[], bool, TimeSpan?)"/> for a request written as Latin-1 text.</summary>
    public static Task<Response> SendTextAsync(Uri baseAddress, string request, bool endOfInput = false, TimeSpan? wait = null) =>
        SendBytesAsync(baseAddress, Encoding.Latin1.GetBytes(request), endOfInput, wait);

    private static async Task<byte[]> ReadToCloseAsync(Stream stream, TimeSpan wait)
    {
        using var buffer = new MemoryStream();
        using var timeout = new CancellationTokenSource(wait);
        try
        {
            await stream.CopyToAsync(buffer, timeout.Token);
        }
        catch (IOException)
        {
            // The server may reset the connection after answering a hostile request; what arrived is the answer.
        }
        catch (OperationCanceledException)
        {
            // The server kept the connection open: what arrived so far is the answer.
        }
        return buffer.ToArray();
    }

    private static Response Parse(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var headers = split < 0 ? text : text[..split];
        var status = headers.StartsWith("HTTP/", StringComparison.Ordinal) ? int.Parse(headers.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture) : 0;
        return new Response(status, headers, split < 0 ? "" : text[(split + 4)..]);
    }
}
