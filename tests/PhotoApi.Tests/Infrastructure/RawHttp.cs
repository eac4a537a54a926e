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

        using var buffer = new MemoryStream();
        try
        {
            await stream.CopyToAsync(buffer);
        }
        catch (IOException)
        {
            // The server may reset the connection after answering a hostile request; what arrived is the answer.
        }
        var text = Encoding.UTF8.GetString(buffer.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var headers = split < 0 ? text : text[..split];
        var status = headers.StartsWith("HTTP/", StringComparison.Ordinal) ? int.Parse(headers.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture) : 0;
        return new Response(status, headers, split < 0 ? "" : text[(split + 4)..]);
    }
}
