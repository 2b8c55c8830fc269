using System.Net;
using System.Net.Sockets;

namespace CloudHsm.Client.Wire;

/// <summary>
/// Opens a TCP connection synchronously with a bounded wait, without the runtime's socket event
/// thread (which a forked child lacks): the socket stays in blocking mode throughout, and the kernel
/// bounds every wait: SO_SNDTIMEO bounds connect() and writes, SO_RCVTIMEO bounds reads. (Switching
/// a .NET socket to non-blocking, even briefly, leaves its descriptor non-blocking for good, and its
/// synchronous calls are then served through the event thread.)
/// </summary>
internal static class WireSocket
{
    public static Socket Connect(WireEndpoint endpoint, TimeSpan timeout)
    {
        var milliseconds = (int)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue);
        SocketException? last = null;
        foreach (var address in Resolve(endpoint.Host))
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.NoDelay = true;
                socket.ReceiveTimeout = milliseconds;
                socket.SendTimeout = milliseconds;
                socket.Connect(new IPEndPoint(address, endpoint.Port));
                return socket;
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
                if (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock or SocketError.InProgress) break;
            }
        }
        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    private static IPAddress[] Resolve(string host) =>
        IPAddress.TryParse(host, out var address) ? [address]
        : host == "localhost" ? [IPAddress.Loopback]
        : Dns.GetHostAddresses(host);
}
