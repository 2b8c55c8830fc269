using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using CloudHsm.IntegrationTests.Harness;
using CloudHsm.IntegrationTests.Users;
using CloudHsm.Protocol.V1;

namespace CloudHsm.IntegrationTests.Robustness;

/// <summary>
/// Malformed requests, hostile values and vanishing clients get a specific refusal or a bare gRPC
/// error (never internal text), and the node keeps serving.
/// </summary>
public sealed partial class BadInputTests(ActivatedPartitionFixture fixture) : IClassFixture<ActivatedPartitionFixture>
{
    private const string Password = "Robust-User-2024!";

    private TestPartition P => fixture.Partition;

    /// <summary>Bodies of gRPC requests that no real client would send.</summary>
    public static TheoryData<string, string, byte[]> BadFrames()
    {
        var random = new Random(20240611);
        var data = new TheoryData<string, string, byte[]>
        {
            // A 5-byte header claiming 100 bytes, then only 3 bytes and the end of the stream.
            { "truncated frame", "/cloudhsm.v1.Users/Login", [0, 0, 0, 0, 100, .. Bytes(random, 3)] },
            // A well-formed frame of bytes that are not a LoginRequest.
            { "protobuf garbage", "/cloudhsm.v1.Users/Login", Frame(Bytes(random, 64)) },
            { "protobuf garbage to CreateUser", "/cloudhsm.v1.Users/CreateUser", Frame(Bytes(random, 200)) },
            // A length far beyond the node's message limit.
            { "oversized length", "/cloudhsm.v1.Users/Login", [0, 0x7f, 0xff, 0xff, 0xff, .. Bytes(random, 16)] },
            // The compressed flag without any grpc-encoding.
            { "compressed flag", "/cloudhsm.v1.Users/Login", [1, 0, 0, 0, 3, .. Bytes(random, 3)] },
            // Half a header.
            { "half header", "/cloudhsm.v1.Partition/GetPartitionInfo", [0, 0] },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(BadFrames))]
    public async Task AMalformedGrpcRequestGetsABareErrorAndTheNodeKeepsServing(string what, string path, byte[] body)
    {
        using var http = RawHttpClient(P);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"https://{P.Node.Endpoint}{path}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");

        using var response = await http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync(); // trailers arrive after the body

        var status = Header(response, "grpc-status");
        Assert.True(status is not null, $"{what}: no grpc-status in the response (HTTP {(int)response.StatusCode})");
        Assert.NotEqual("0", status);
        Assert.Equal("RET_INVALID_INPUT", Header(response, "hsm-error"));
        var message = Uri.UnescapeDataString(Header(response, "grpc-message") ?? "");
        Assert.False(ExceptionTypeName().IsMatch(message), $"{what}: grpc-message names an exception type: {message}");
        foreach (var leak in new[] { "   at ", "System.", "Google.Protobuf", "CloudHsm.", ".cs:line" })
        {
            Assert.False(message.Contains(leak, StringComparison.Ordinal), $"{what}: grpc-message leaks internals: {message}");
        }

        Assert.False(P.Node.HasExited, $"{what}: the node died:\n{P.Node.Log}");
        Assert.Contains("Active", (await P.MgmtAsync("getPartitionInfo")).ShouldSucceed().Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnOversizedOrMalformedUserNameIsRefusedAsAUserName()
    {
        var longName = new string('u', 100);
        using var co = await P.LoginCoAsync();
        var before = await UserTestKit.SnapshotAsync(co);

        using (var anonymous = P.NewClient())
        {
            await UserTestKit.RefusedAsync("RET_INVALID_USER_NAME", () => anonymous.LoginAsync(UserType.Cu, longName, Password));
            await UserTestKit.RefusedAsync("RET_INVALID_USER_NAME", () => anonymous.GetChallengeAsync(longName));
        }
        (await P.AsCoAsync("createUser", "CU", longName, Password)).ShouldFailWith("RET_INVALID_USER_NAME");
        (await P.AsCoAsync("createUser", "CU", "bob');--", Password)).ShouldFailWith("RET_INVALID_USER_NAME");
        await UserTestKit.RefusedAsync("RET_INVALID_USER_NAME", () => co.CreateUserAsync(UserType.Cu, "", Password));
        await UserTestKit.RefusedAsync("RET_INVALID_USER_NAME", () => co.CreateUserAsync(UserType.Cu, "tab\tname", Password));

        Assert.Equal(before, await UserTestKit.SnapshotAsync(co));
    }

    [Fact]
    public async Task AnUnknownUserTypeOrOversizedPasswordIsRefusedWithoutCountingAFailure()
    {
        using var co = await P.LoginCoAsync();
        var before = await UserTestKit.SnapshotAsync(co);

        using (var anonymous = P.NewClient())
        {
            await UserTestKit.RefusedAsync("RET_INVALID_USER_TYPE", () => anonymous.LoginAsync((UserType)42, "admin", TestPartition.CoPassword));
            await UserTestKit.RefusedAsync("RET_INVALID_PASSWORD_POLICY", () => anonymous.LoginAsync(UserType.Co, "admin", new string('P', 200)));
        }
        await UserTestKit.RefusedAsync("RET_INVALID_USER_TYPE", () => co.CreateUserAsync((UserType)42, "bob", Password));
        await UserTestKit.RefusedAsync("RET_INVALID_USER_TYPE", () => co.DeleteUserAsync((UserType)42, "admin"));
        (await P.AsCoAsync("createUser", "XX", "bob", Password)).ShouldFailWith("RET_INVALID_USER_TYPE");

        Assert.Equal(before, await UserTestKit.SnapshotAsync(co)); // admin's failure count included
    }

    [Fact]
    public async Task ClientsThatVanishMidRequestDoNotHurtTheNode()
    {
        for (var batch = 0; batch < 5; batch++)
        {
            await Task.WhenAll(Enumerable.Range(0, 10).Select(i => VanishAsync(P, (batch * 10) + i)));
        }

        Assert.False(P.Node.HasExited, P.Node.Log);
        Assert.Contains("Active", (await P.MgmtAsync("getPartitionInfo")).ShouldSucceed().Stdout, StringComparison.Ordinal);
        await P.CreateUsersAsync((UserType.Cu, "survivor", Password));
        (await P.AsUserAsync("CU", "survivor", Password, "listUsers")).ShouldSucceed();
    }

    /// <summary>Connects with TLS (h2), sends part of the HTTP/2 preface or of a frame, and closes.</summary>
    private static async Task VanishAsync(TestPartition p, int kind)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, p.Node.Port);
        if (kind % 10 == 9)
        {
            // Not even TLS: the first bytes of a ClientHello, then gone.
            await tcp.GetStream().WriteAsync(new byte[] { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01 });
            return;
        }
        await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [SslApplicationProtocol.Http2],
            RemoteCertificateValidationCallback = p.NodeTrust(),
        });
        Assert.Equal(SslApplicationProtocol.Http2, tls.NegotiatedApplicationProtocol);
        var preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();
        if (kind % 2 == 0)
        {
            await tls.WriteAsync(preface.AsMemory(0, 1 + (kind % preface.Length)));
        }
        else
        {
            // The full preface, then a HEADERS frame header that promises 4 KB and stops.
            await tls.WriteAsync(preface);
            await tls.WriteAsync(new byte[] { 0x00, 0x10, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x01, 0x83 });
        }
        await tls.FlushAsync();
    }

    /// <summary>InvalidProtocolBufferException, IOException...: a type name, not grpc's generic "Exception was thrown by handler."</summary>
    [GeneratedRegex(@"\w+Exception\b")]
    private static partial Regex ExceptionTypeName();

    private static HttpClient RawHttpClient(TestPartition p) => new(new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = p.NodeTrust() },
    })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    private static string? Header(HttpResponseMessage response, string name) =>
        response.TrailingHeaders.TryGetValues(name, out var trailer) ? trailer.FirstOrDefault()
        : response.Headers.TryGetValues(name, out var header) ? header.FirstOrDefault()
        : null;

    private static byte[] Bytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Frame(byte[] message) =>
        [0, (byte)(message.Length >> 24), (byte)(message.Length >> 16), (byte)(message.Length >> 8), (byte)message.Length, .. message];
}
