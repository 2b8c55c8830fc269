using System.Net;
using System.Net.Sockets;

namespace CloudHsm.IntegrationTests.Client;

/// <summary>
/// A second address for one node: a loopback port that relays bytes (TLS and all) to the node, and
/// that can be cut, as a node that died would be: the listener closes and every relayed connection
/// is reset. Lets a single node stand for two configured nodes.
/// </summary>
public sealed class TcpRelay : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _sockets = [];
    private readonly int _targetPort;
    private bool _cut;

    public TcpRelay(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _ = AcceptAsync();
    }

    public string Endpoint => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _targetPort);
            }
            catch (SocketException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }
            lock (_sockets)
            {
                if (_cut)
                {
                    client.Dispose();
                    server.Dispose();
                    return;
                }
                _sockets.Add(client);
                _sockets.Add(server);
            }
            _ = PumpAsync(client, server);
            _ = PumpAsync(server, client);
        }
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0) break;
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
            }
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // cut, or the other side went away
        }
    }

    /// <summary>The "node" behind this address dies: nothing listens any more, open connections are reset.</summary>
    public void Cut()
    {
        _listener.Stop();
        lock (_sockets)
        {
            _cut = true;
            foreach (var socket in _sockets)
            {
                try
                {
                    socket.LingerState = new LingerOption(true, 0); // RST, as a killed process's kernel sends
                }
                catch (SocketException)
                {
                    // closed already
                }
                socket.Dispose();
            }
            _sockets.Clear();
        }
    }

    public void Dispose() => Cut();
}
