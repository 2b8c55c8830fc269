using System.Globalization;

namespace CloudHsm.Client.Wire;

/// <summary>A node's wire endpoint: HOST:PORT, [IPv6]:PORT, or HOST alone (the default port).</summary>
public readonly record struct WireEndpoint(string Host, int Port)
{
    public static WireEndpoint Parse(string text, int defaultPort)
    {
        text = text.Trim();
        string host;
        var port = defaultPort;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) throw Invalid(text);
            host = text[1..close];
            if (close + 1 < text.Length && (text[close + 1] != ':' || !TryPort(text[(close + 2)..], out port))) throw Invalid(text);
        }
        else if (text.IndexOf(':', StringComparison.Ordinal) is var colon and > 0 && colon == text.LastIndexOf(':'))
        {
            host = text[..colon];
            if (!TryPort(text[(colon + 1)..], out port)) throw Invalid(text);
        }
        else
        {
            host = text;
        }
        if (host.Length == 0) throw Invalid(text);
        return new WireEndpoint(host, port);
    }

    /// <summary>The same host at the next port (the node's default wire port beside its gRPC port).</summary>
    public WireEndpoint NextPort() => Port < 65535 ? this with { Port = Port + 1 } : throw Invalid(ToString());

    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    private static bool TryPort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535;

    private static HsmClientException Invalid(string text) =>
        new("RET_CONFIG_INVALID", $"The endpoint '{text}' is not of the form HOST:PORT.");
}
