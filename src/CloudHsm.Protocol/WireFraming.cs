namespace CloudHsm.Protocol;

/// <summary>
/// Framing of the wire transport (Protos/wire.proto): a 4-byte big-endian length, then a
/// WireRequest or WireReply. A frame longer than its limit ends the connection.
/// </summary>
public static class WireFraming
{
    public const int HeaderBytes = 4;

    /// <summary>Largest request message the node reads (as the gRPC services' receive limit).</summary>
    public const int MaxRequestBodyBytes = 1024 * 1024;

    /// <summary>Largest reply message the node sends (as the gRPC services' send limit).</summary>
    public const int MaxReplyBodyBytes = 4 * 1024 * 1024;

    /// <summary>Room for the envelope around a body: method name, token, client name, error sentence.</summary>
    public const int EnvelopeBytes = 8 * 1024;

    public const int MaxRequestFrameBytes = MaxRequestBodyBytes + EnvelopeBytes;
    public const int MaxReplyFrameBytes = MaxReplyBodyBytes + EnvelopeBytes;

    /// <summary>The wire endpoint's default port: the gRPC port + 1.</summary>
    public const int DefaultPort = WireNames.DefaultPort + 1;

    /// <summary>The gRPC full name of a method, as WireRequest.method carries it: "/cloudhsm.v1.Crypto/Sign".</summary>
    public static string MethodName(Google.Protobuf.Reflection.MethodDescriptor method) =>
        $"/{method.Service.FullName}/{method.Name}";
}
