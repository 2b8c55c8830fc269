using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using CloudHsm.Client;
using CloudHsm.Client.Wire;
using CloudHsm.IntegrationTests.Harness;
using CloudHsm.Protocol.V1;
using Google.Protobuf;

namespace CloudHsm.IntegrationTests.Wire;

/// <summary>Method names, message helpers and a raw TLS client for the wire transport's tests.</summary>
internal static class WireKit
{
    public const string LoginMethod = "/cloudhsm.v1.Users/Login";
    public const string GetPartitionInfo = "/cloudhsm.v1.Partition/GetPartitionInfo";
    public const string GenerateKey = "/cloudhsm.v1.Keys/GenerateKey";
    public const string GenerateKeyPair = "/cloudhsm.v1.Keys/GenerateKeyPair";
    public const string FindKeys = "/cloudhsm.v1.Keys/FindKeys";
    public const string ExportPublicKey = "/cloudhsm.v1.Keys/ExportPublicKey";
    public const string Sign = "/cloudhsm.v1.Crypto/Sign";
    public const string Verify = "/cloudhsm.v1.Crypto/Verify";

    public const ulong CkkAes = 0x1F;
    public const ulong CkkEc = 0x03;
    public const ulong CkaLabel = 0x03;
    public const ulong CkmEcdsaSha256 = 0x1044;
    public const string P256 = "1.2.840.10045.3.1.7";

    public static WireConnection Connect(this TestPartition p) => new(ClientConfig.Load(p.ConfigPath));

    public static LoginReply Login(this WireConnection wire, UserType type, string name, string password)
    {
        var reply = wire.Call(LoginMethod, new LoginRequest { Type = type, Name = name, Password = ByteString.CopyFromUtf8(password) }, LoginReply.Parser);
        wire.AuthorizationToken = reply.Token;
        return reply;
    }

    public static Protocol.V1.Attribute Label(string label) => new() { Id = CkaLabel, Value = ByteString.CopyFromUtf8(label) };

    public static HsmClientException Refused(string errorName, Action action)
    {
        var e = Assert.Throws<HsmClientException>(action);
        Assert.True(errorName == e.ErrorName, $"expected {errorName}, got {e}");
        Assert.DoesNotContain("   at ", e.Message, StringComparison.Ordinal);
        return e;
    }

    /// <summary>A hand-made TLS connection to the wire endpoint, for frames no well-behaved client sends.</summary>
    public static async Task<SslStream> RawAsync(this TestPartition p)
    {
        var endpoint = ClientConfig.Load(p.ConfigPath).WireEndpoints()[0];
        var tcp = new TcpClient();
        await tcp.ConnectAsync(endpoint.Host, endpoint.Port);
        var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, p.NodeTrustCallback());
        await tls.AuthenticateAsClientAsync("cloudhsm");
        tls.ReadTimeout = 10_000;
        return tls;
    }

    private static RemoteCertificateValidationCallback NodeTrustCallback(this TestPartition p)
    {
        var trust = ServerTrust.FromConfig(ClientConfig.Load(p.ConfigPath));
        return (_, certificate, chain, _) => trust.Validate(certificate, chain);
    }

    public static async Task WriteFrameAsync(this Stream stream, byte[] payload, uint? announcedLength = null)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, announcedLength ?? (uint)payload.Length);
        await stream.WriteAsync(header);
        await stream.WriteAsync(payload);
        await stream.FlushAsync();
    }

    /// <summary>The next reply, or null when the node closed the connection.</summary>
    public static async Task<WireReply?> ReadReplyAsync(this Stream stream)
    {
        var header = new byte[4];
        try
        {
            await stream.ReadExactlyAsync(header);
        }
        catch (EndOfStreamException)
        {
            return null;
        }
        var body = new byte[BinaryPrimitives.ReadUInt32BigEndian(header)];
        await stream.ReadExactlyAsync(body);
        return WireReply.Parser.ParseFrom(body);
    }

    /// <summary>True once the node has closed the connection (reads end), within a few seconds.</summary>
    public static async Task<bool> ClosedByNodeAsync(this Stream stream)
    {
        var buffer = new byte[1];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            return await stream.ReadAsync(buffer, cts.Token) == 0;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public static byte[] Request(string method, IMessage body, string token = "") =>
        new WireRequest { Method = method, Body = body.ToByteString(), Token = token }.ToByteArray();

    public static byte[] Garbage(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        bytes[0] = 0x0F; // field 1 with wire type 7, which protobuf does not have
        return bytes;
    }

    public static string Text(this WireReply reply) => $"{reply.Error}: {reply.Message}" + (reply.Body.IsEmpty ? "" : $" ({reply.Body.Length} bytes)");

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
