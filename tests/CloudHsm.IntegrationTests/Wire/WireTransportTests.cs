using System.Security.Cryptography;
using System.Text.Json;
using CloudHsm.Client;
using CloudHsm.Client.Wire;
using CloudHsm.IntegrationTests.Harness;
using CloudHsm.IntegrationTests.Users;
using CloudHsm.Protocol;
using CloudHsm.Protocol.V1;
using Google.Protobuf;
using static CloudHsm.IntegrationTests.Wire.WireKit;

namespace CloudHsm.IntegrationTests.Wire;

/// <summary>
/// The wire transport against a real node: the same messages and the same service logic as gRPC,
/// refusals by their stable names, and a node that shrugs off what a broken client sends.
/// </summary>
public sealed class WireTransportTests(WireFixture fixture) : IClassFixture<WireFixture>
{
    private TestPartition P => fixture.Partition;

    [Fact]
    public void ACryptoUserLogsInOverTheWireThenGeneratesSignsVerifiesAndFindsWithTheToken()
    {
        using var wire = P.Connect();
        var login = wire.Login(UserType.Cu, WireFixture.Alice, WireFixture.AlicePassword);
        Assert.Equal((WireFixture.Alice, UserType.Cu), (login.Name, login.Type));
        Assert.NotEmpty(login.Token);

        var aes = Assert.Single(wire.Call(GenerateKey, new GenerateKeyRequest { KeyType = CkkAes, LengthBytes = 32, Template = { Label("wire-aes") } },
            KeyHandles.Parser).Handles);
        var pair = wire.Call(GenerateKeyPair, new GenerateKeyPairRequest { KeyType = CkkEc, Parameter = P256, PrivateTemplate = { Label("wire-ec") } },
            KeyHandles.Parser).Handles;
        var data = ByteString.CopyFromUtf8("signed over the wire");

        var signature = wire.Call(Sign, new SignRequest { Handle = pair[0], Mechanism = CkmEcdsaSha256, Data = data }, SignReply.Parser).Signature;
        Assert.True(wire.Call(Verify, new VerifyRequest { Handle = pair[1], Mechanism = CkmEcdsaSha256, Data = data, Signature = signature },
            VerifyReply.Parser).Valid);
        Assert.False(wire.Call(Verify, new VerifyRequest { Handle = pair[1], Mechanism = CkmEcdsaSha256, Data = ByteString.CopyFromUtf8("other"), Signature = signature },
            VerifyReply.Parser).Valid);
        // The node's signature is a real ECDSA P-256 signature of the data.
        using var publicKey = ECDsa.Create();
        publicKey.ImportFromPem(wire.Call(ExportPublicKey, new KeyRef { Handle = pair[1] }, PemReply.Parser).Pem);
        Assert.True(publicKey.VerifyData(data.Span, signature.Span, HashAlgorithmName.SHA256));

        var found = Assert.Single(wire.Call(FindKeys, new FindKeysRequest { Label = "wire-aes" }, KeyList.Parser).Keys);
        Assert.Equal((aes, WireFixture.Alice), (found.Handle, found.Owner));
        Assert.Equal(pair[0], Assert.Single(wire.Call(FindKeys, new FindKeysRequest { Label = "wire-ec" }, KeyList.Parser).Keys).Handle);
    }

    [Fact]
    public async Task KeysMadeOverGrpcServeOverTheWireAndBack()
    {
        using var grpc = await P.LoginAsync(UserType.Cu, WireFixture.Alice, WireFixture.AlicePassword);
        var (privateKey, publicKey) = await grpc.GenerateKeyPairAsync(CkkEc, P256, privateTemplate: [Label("shared-ec")]);

        using var wire = P.Connect();
        wire.Login(UserType.Cu, WireFixture.Alice, WireFixture.AlicePassword);
        var data = ByteString.CopyFromUtf8("signed over the wire, verified over gRPC");
        var signature = wire.Call(Sign, new SignRequest { Handle = privateKey, Mechanism = CkmEcdsaSha256, Data = data }, SignReply.Parser).Signature;

        Assert.True(await grpc.VerifyAsync(publicKey, CkmEcdsaSha256, data.ToByteArray(), signature.ToByteArray()));
    }

    [Fact]
    public void RefusalsArriveWithTheirStableErrorNames()
    {
        using var wire = P.Connect();
        var refused = Refused("RET_USER_LOGIN_FAILURE", () => wire.Login(UserType.Cu, WireFixture.Alice, "Wrong-Password-2024!"));
        Assert.NotEmpty(refused.Message);
        Refused("RET_USER_NOT_LOGGED_IN", () => wire.Call(FindKeys, new FindKeysRequest(), KeyList.Parser));

        wire.Login(UserType.Cu, WireFixture.Alice, WireFixture.AlicePassword);
        Refused("RET_KEY_NOT_FOUND", () => wire.Call(Sign, new SignRequest { Handle = 0x7FFF_FFF0, Mechanism = CkmEcdsaSha256, Data = ByteString.CopyFromUtf8("x") },
            SignReply.Parser));
        Refused("RET_INVALID_INPUT", () => wire.Call("/cloudhsm.v1.Crypto/NoSuchMethod", new Empty(), Empty.Parser));
        // The connection is still good after refusals.
        Assert.Equal(PartitionStatus.Active, wire.Call(GetPartitionInfo, new Empty(), PartitionInfo.Parser).Status);
    }

    [Fact]
    public void EveryRpcOfThePartitionUsersKeysAndCryptoServicesIsServed()
    {
        using var wire = P.Connect();
        var services = new[] { Protocol.V1.Partition.Descriptor, Protocol.V1.Users.Descriptor, Protocol.V1.Keys.Descriptor, Protocol.V1.Crypto.Descriptor };
        var methods = services.SelectMany(s => s.Methods).ToList();
        Assert.True(methods.Count >= 40, $"only {methods.Count} methods");
        foreach (var method in methods)
        {
            // Without a login and with an empty request every method refuses or answers, but none is unknown.
            try
            {
                wire.Call(WireFraming.MethodName(method), new Empty(), Empty.Parser);
            }
            catch (HsmClientException e)
            {
                Assert.False(e.ErrorName == "RET_INVALID_INPUT" && e.Message.Contains("no such method", StringComparison.Ordinal),
                    $"{WireFraming.MethodName(method)} is not served: {e}");
                Assert.False(e.IsTransient, $"{WireFraming.MethodName(method)} broke the connection: {e}");
            }
        }
    }

    [Fact]
    public async Task UnknownMethodsGarbageAndOversizeFramesEndNoMoreThanTheirOwnConnection()
    {
        await using (var tls = await P.RawAsync())
        {
            await tls.WriteFrameAsync(Request("/cloudhsm.v1.Crypto/Nothing", new Empty()));
            var unknown = await tls.ReadReplyAsync();
            Assert.Equal("RET_INVALID_INPUT", unknown?.Error);

            await tls.WriteFrameAsync(Garbage(300));
            Assert.Equal("RET_INVALID_INPUT", (await tls.ReadReplyAsync())?.Error);

            // A good envelope around a body that is not the method's message.
            await tls.WriteFrameAsync(new WireRequest { Method = LoginMethod, Body = ByteString.CopyFrom(Garbage(40)) }.ToByteArray());
            var unreadable = await tls.ReadReplyAsync();
            Assert.True(unreadable?.Error == "RET_INVALID_INPUT", unreadable?.Text());

            await tls.WriteFrameAsync([]);
            Assert.Equal("RET_INVALID_INPUT", (await tls.ReadReplyAsync())?.Error);

            // The same connection still serves a real request.
            await tls.WriteFrameAsync(Request(GetPartitionInfo, new Empty()));
            var info = await tls.ReadReplyAsync();
            Assert.True(info is { Error: "" }, info?.Text());
            Assert.Equal(PartitionStatus.Active, PartitionInfo.Parser.ParseFrom(info!.Body).Status);
        }

        await using (var tls = await P.RawAsync())
        {
            // A length over the limit: refused, and the connection ends (it cannot be resynchronised).
            await tls.WriteFrameAsync(Utf8("never sent in full"), announcedLength: 0x7FFF_FFFF);
            var oversize = await tls.ReadReplyAsync();
            Assert.True(oversize?.Error == "RET_INVALID_INPUT", oversize?.Text());
            Assert.True(await tls.ClosedByNodeAsync());
        }

        await using (var tls = await P.RawAsync())
        {
            // Half a frame, then the client goes away.
            await tls.WriteFrameAsync(Utf8("half"), announcedLength: 100);
        }

        // A plain TCP client that never speaks TLS, and one that sends garbage instead of a handshake.
        var endpoint = ClientConfig.Load(P.ConfigPath).WireEndpoints()[0];
        using (var tcp = new System.Net.Sockets.TcpClient())
        {
            await tcp.ConnectAsync(endpoint.Host, endpoint.Port);
            await tcp.GetStream().WriteAsync(Garbage(1000));
        }

        // The node serves both transports as before.
        using var grpc = P.NewClient();
        Assert.Equal(PartitionStatus.Active, (await grpc.GetPartitionInfoAsync()).Status);
        using var wire = P.Connect();
        Assert.Equal(PartitionStatus.Active, wire.Call(GetPartitionInfo, new Empty(), PartitionInfo.Parser).Status);
        Assert.False(P.Node.HasExited);
        Assert.DoesNotContain("   at ", P.Node.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void ItsSocketStaysInBlockingMode_SoNoCallWaitsOnTheRuntimesSocketThreadWhichAForkedChildLacks()
    {
        var port = int.Parse(P.Node.WireEndpoint!.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        var before = ConnectionsTo(port);
        using var wire = P.Connect();
        Assert.Equal(PartitionStatus.Active, wire.Call(GetPartitionInfo, new Empty(), PartitionInfo.Parser).Status);

        var ours = ConnectionsTo(port).Except(before).ToList();
        Assert.NotEmpty(ours);
        foreach (var inode in ours)
        {
            var fd = Directory.GetFiles("/proc/self/fd").Single(f => new FileInfo(f).LinkTarget == $"socket:[{inode}]");
            var flags = File.ReadAllLines($"/proc/self/fdinfo/{Path.GetFileName(fd)}").Single(l => l.StartsWith("flags:", StringComparison.Ordinal));
            var value = Convert.ToInt32(flags["flags:".Length..].Trim(), 8);
            Assert.True((value & 0x800) == 0, $"the wire socket is O_NONBLOCK ({flags.Trim()})");
        }
    }

    /// <summary>Inodes of this process's established IPv4 connections to a loopback port (/proc/self/net/tcp).</summary>
    private static HashSet<string> ConnectionsTo(int port) =>
        File.ReadAllLines("/proc/self/net/tcp").Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f[2].EndsWith($":{port:X4}", StringComparison.Ordinal) && f[3] == "01" && f[9] != "0")
            .Select(f => f[9])
            .ToHashSet();

    [Fact]
    public void ANodeWhoseCertificateDoesNotChainToTheConfiguredPoIsRefused()
    {
        var directory = Directory.CreateTempSubdirectory("cloudhsm-it-wire-trust-").FullName;
        try
        {
            using var otherOwner = RSA.Create(2048);
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=Another Partition Owner", otherOwner,
                HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension(true, false, 0, true));
            using var otherPo = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            var otherPoPath = Path.Combine(directory, "PO.crt");
            File.WriteAllText(otherPoPath, otherPo.ExportCertificatePem());
            var configPath = Path.Combine(directory, "client.json");
            File.WriteAllText(configPath, JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["nodes"] = new[] { P.Node.Endpoint },
                ["wire"] = new[] { P.Node.WireEndpoint! },
                ["poCertificate"] = otherPoPath,
            }));

            using var wire = new WireConnection(ClientConfig.Load(configPath));
            var refused = Refused("RET_SERVER_NOT_TRUSTED", () => wire.Call(GetPartitionInfo, new Empty(), PartitionInfo.Parser));
            Assert.Contains("PO.crt", refused.Message, StringComparison.Ordinal);
            Assert.Null(wire.ConnectedEndpoint);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task EightThreadsEachWithItsOwnConnectionSignAtOnceAndEverySignatureIsRight()
    {
        using var grpc = await P.LoginAsync(UserType.Cu, WireFixture.Alice, WireFixture.AlicePassword);
        var (privateKey, publicHandle) = await grpc.GenerateKeyPairAsync(CkkEc, P256, privateTemplate: [Label("threads-ec")]);
        using var publicKey = ECDsa.Create();
        publicKey.ImportFromPem(await grpc.ExportPublicKeyAsync(publicHandle));
        // One login of the application, shared by its connections (as PKCS#11 sessions share one).
        string token;
        using (var first = P.Connect()) token = first.Login(UserType.Cu, WireFixture.Alice, WireFixture.AlicePassword).Token;

        const int Threads = 8, Calls = 40;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            try
            {
                using var wire = P.Connect();
                wire.AuthorizationToken = token;
                start.SignalAndWait();
                for (var i = 0; i < Calls; i++)
                {
                    var data = ByteString.CopyFromUtf8($"thread {t} call {i}");
                    var signature = wire.Call(Sign, new SignRequest { Handle = privateKey, Mechanism = CkmEcdsaSha256, Data = data }, SignReply.Parser).Signature;
                    if (!publicKey.VerifyData(data.Span, signature.Span, HashAlgorithmName.SHA256)) failures.Enqueue($"thread {t} call {i}: wrong signature");
                }
            }
            catch (Exception e)
            {
                failures.Enqueue($"thread {t}: {e}");
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => Assert.True(t.Join(TimeSpan.FromSeconds(60)), "a signing thread hung"));
        Assert.Empty(failures);
    }

    [Fact]
    public async Task APoolGivesEachConcurrentCallItsOwnConnection()
    {
        using var pool = new WireConnectionPool(ClientConfig.Load(P.ConfigPath));
        Refused("RET_USER_NOT_LOGGED_IN", () => pool.Call(FindKeys, new FindKeysRequest(), KeyList.Parser));
        pool.AuthorizationToken = pool.Call(LoginMethod, new LoginRequest
        {
            Type = UserType.Cu, Name = WireFixture.Alice, Password = ByteString.CopyFromUtf8(WireFixture.AlicePassword),
        }, LoginReply.Parser).Token;

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
            pool.Call("/cloudhsm.v1.Crypto/GenerateRandom", new RandomRequest { Length = 16 + i }, RandomReply.Parser).Data.Length)));

        Assert.Equal(Enumerable.Range(16, 16), results);
    }

    [Fact]
    public void OneConnectionUsedByTwoThreadsAtOnceRefusesTheSecond()
    {
        using var wire = P.Connect();
        wire.Login(UserType.Cu, WireFixture.Alice, WireFixture.AlicePassword);
        var busy = 0;
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            for (var i = 0; i < 50; i++)
            {
                try
                {
                    wire.Call("/cloudhsm.v1.Crypto/GenerateRandom", new RandomRequest { Length = 32 }, RandomReply.Parser);
                }
                catch (HsmClientException e) when (e.ErrorName == "RET_CONNECTION_BUSY")
                {
                    Interlocked.Increment(ref busy);
                }
            }
        });
        // Whatever the interleaving, the connection still works and no reply went to the wrong caller.
        Assert.Equal(32, wire.Call("/cloudhsm.v1.Crypto/GenerateRandom", new RandomRequest { Length = 32 }, RandomReply.Parser).Data.Length);
    }
}
