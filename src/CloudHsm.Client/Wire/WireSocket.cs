using System.Net;
using System.Net.Sockets;

namespace CloudHsm.Client.Wire;

/// <summary>
/// Opens a TCP connection synchronously with a bounded wait: a non-blocking connect() and a poll() on
/// the calling thread, then a blocking socket whose reads and writes time out (SO_RCVTIMEO and
/// SO_SNDTIMEO). Nothing here needs the runtime's socket event thread, which a forked child lacks.
/// </summary>
internal static class WireSocket
{
    public static Socket Connect(WireEndpoint endpoint, TimeSpan timeout)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        SocketException? last = null;
        foreach (var address in Resolve(endpoint.Host))
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.NoDelay = true;
                socket.Blocking = false;
                try
                {
                    socket.Connect(new IPEndPoint(address, endpoint.Port));
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
                {
                    var remaining = Math.Max(0, deadline - Environment.TickCount64);
                    if (!socket.Poll(TimeSpan.FromMilliseconds(remaining), SelectMode.SelectWrite))
                    {
                        throw new SocketException((int)SocketError.TimedOut);
                    }
                    var error = (SocketError)(int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
                    if (error != SocketError.Success) throw new SocketException((int)error);
                }
                socket.Blocking = true;
                var milliseconds = (int)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue);
                socket.ReceiveTimeout = milliseconds;
                socket.SendTimeout = milliseconds;
                return socket;
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
                if (e.SocketErrorCode == SocketError.TimedOut) break;
            }
        }
        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    private static IPAddress[] Resolve(string host) =>
        IPAddress.TryParse(host, out var address) ? [address]
        : host == "localhost" ? [IPAddress.Loopback]
        : Dns.GetHostAddresses(host);
}
