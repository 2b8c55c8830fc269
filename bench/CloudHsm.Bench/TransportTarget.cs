using System.Text.Json;
using CloudHsm.Client;
using CloudHsm.Protocol;
using CloudHsm.Protocol.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace CloudHsm.Bench;

/// <summary>
/// A running node to measure the transports against (never started here: client and node in one
/// process would share a thread pool and a GC and flatter neither). The node is the one of
/// CLOUDHSM_CONFIG; the crypto user comes from CLOUDHSM_USER and CLOUDHSM_PASSWORD, or the first CU
/// of the CLOUDHSM_CREDENTIALS file that `cloudhsm dev up` writes. One login (through gRPC; the
/// wire uses the same token), one ECDSA P-256 key pair made for the run and deleted after it.
/// </summary>
public sealed class TransportTarget : IDisposable
{
    public const ulong CkmEcdsaSha256 = 0x1044;
    public const string SignMethod = "/cloudhsm.v1.Crypto/Sign";
    public const string RandomMethod = "/cloudhsm.v1.Crypto/GenerateRandom";

    private TransportTarget(ClientConfig config, GrpcChannel channel, string token, ulong privateKey, ulong publicKey)
    {
        Config = config;
        Channel = channel;
        Token = token;
        PrivateKey = privateKey;
        PublicKey = publicKey;
        Headers = new Metadata { { WireNames.AuthorizationHeader, "Bearer " + token }, { WireNames.ClientHeader, "cloudhsm-bench" } };
    }

    public ClientConfig Config { get; }
    public GrpcChannel Channel { get; }
    public string Token { get; }
    public ulong PrivateKey { get; }
    public ulong PublicKey { get; }
    public Metadata Headers { get; }

    /// <summary>32 bytes to sign, as a PKCS#11 application signing a digest-sized message would send.</summary>
    public static SignRequest SignRequest(ulong key) =>
        new() { Handle = key, Mechanism = CkmEcdsaSha256, Data = ByteString.CopyFrom(new byte[32]) };

    public static TransportTarget Open()
    {
        var config = ClientConfig.Load(); // CLOUDHSM_CONFIG
        var (name, password) = Credentials();
        var channel = NodeChannels.Create(config.Nodes[0], ServerTrust.FromConfig(config), NodeChannels.ClientCertificates(config));
        var login = new Users.UsersClient(channel).Login(new LoginRequest { Type = UserType.Cu, Name = name, Password = ByteString.CopyFromUtf8(password) });
        var headers = new Metadata { { WireNames.AuthorizationHeader, "Bearer " + login.Token } };
        var pair = new Keys.KeysClient(channel).GenerateKeyPair(new GenerateKeyPairRequest { KeyType = 0x03, Parameter = "1.2.840.10045.3.1.7" }, headers);
        return new TransportTarget(config, channel, login.Token, pair.Handles[0], pair.Handles[1]);
    }

    private static (string Name, string Password) Credentials()
    {
        var user = Environment.GetEnvironmentVariable("CLOUDHSM_USER");
        var password = Environment.GetEnvironmentVariable("CLOUDHSM_PASSWORD");
        if (!string.IsNullOrEmpty(user) && !string.IsNullOrEmpty(password)) return (user, password);
        var file = Environment.GetEnvironmentVariable("CLOUDHSM_CREDENTIALS")
            ?? throw new InvalidOperationException("Set CLOUDHSM_USER and CLOUDHSM_PASSWORD (a CU), or CLOUDHSM_CREDENTIALS (from `cloudhsm dev up`).");
        using var document = JsonDocument.Parse(File.ReadAllBytes(file));
        foreach (var entry in document.RootElement.GetProperty("users").EnumerateArray())
        {
            if (entry.GetProperty("type").GetString() == "CU") return (entry.GetProperty("name").GetString()!, entry.GetProperty("password").GetString()!);
        }
        throw new InvalidOperationException($"{file} holds no CU.");
    }

    public void Dispose()
    {
        try
        {
            var keys = new Keys.KeysClient(Channel);
            keys.DeleteKey(new KeyRef { Handle = PrivateKey }, Headers);
            keys.DeleteKey(new KeyRef { Handle = PublicKey }, Headers);
            new Users.UsersClient(Channel).Logout(new Empty(), Headers);
        }
        catch (RpcException)
        {
            // best effort: the node may be gone already
        }
        Channel.Dispose();
    }
}
