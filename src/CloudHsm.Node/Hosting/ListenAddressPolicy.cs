using System.Net;
using System.Net.Sockets;
using CloudHsm.Core.Errors;

namespace CloudHsm.Node.Hosting;

/// <summary>
/// Parses listen addresses and keeps the node on private addresses: loopback and private ranges
/// bind as given; a wildcard or public address needs --allow-public-bind (the private-endpoint advice).
/// </summary>
public static class ListenAddressPolicy
{
    public static IPEndPoint Parse(string text, bool allowPublic, int defaultPort = Protocol.WireNames.DefaultPort)
    {
        text = text.Trim();
        var colon = text.LastIndexOf(':');
        string host;
        int port = defaultPort;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) throw Invalid(text);
            host = text[1..close];
            if (close + 1 < text.Length)
            {
                if (text[close + 1] != ':' || !int.TryParse(text[(close + 2)..], out port)) throw Invalid(text);
            }
        }
        else if (colon > 0 && text.IndexOf(':', StringComparison.Ordinal) == colon)
        {
            host = text[..colon];
            if (!int.TryParse(text[(colon + 1)..], out port)) throw Invalid(text);
        }
        else
        {
            host = text;
        }
        if (port is < 1 or > 65535) throw Invalid(text);
        IPAddress address;
        if (host is "localhost") address = IPAddress.Loopback;
        else if (host is "*" or "+" or "") address = IPAddress.Any;
        else if (!IPAddress.TryParse(host, out address!)) throw new HsmException(HsmError.RET_INVALID_INPUT,
            $"Listen address '{text}' must be an IP address (or localhost), so that what the node binds is explicit.");
        if (!allowPublic && !IsPrivate(address))
        {
            throw new HsmException(HsmError.RET_INVALID_INPUT,
                $"Refusing to bind {address}: it is a wildcard or public address. Bind loopback or a private address, or pass --allow-public-bind.");
        }
        return new IPEndPoint(address, port);
    }

    /// <summary>The default wire endpoint beside a gRPC endpoint: the same address, port + 1.</summary>
    public static IPEndPoint WireEndpointFor(IPEndPoint listen) => listen.Port < 65535
        ? new IPEndPoint(listen.Address, listen.Port + 1)
        : throw new HsmException(HsmError.RET_INVALID_INPUT,
            $"The wire endpoint defaults to the listen port + 1, and {listen} has none: give --wire-listen HOST:PORT (or none).");

    public static bool IsPrivate(IPAddress address)
    {
        if (IPAddress.IsLoopback(address)) return true;
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)) return false;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] == 10 || (b[0] == 172 && b[1] >= 16 && b[1] <= 31) || (b[0] == 192 && b[1] == 168);
        }
        if (address.IsIPv4MappedToIPv6) return IsPrivate(address.MapToIPv4());
        return address.IsIPv6UniqueLocal || address.IsIPv6LinkLocal;
    }

    private static HsmException Invalid(string text) =>
        new(HsmError.RET_INVALID_INPUT, $"Listen address '{text}' is not of the form HOST:PORT.");
}
