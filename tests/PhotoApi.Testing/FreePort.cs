using System.Net.Sockets;

namespace PhotoApi.Testing;

/// <summary>A loopback TCP port nothing listens on, for a server whose address another party must know in advance.</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
