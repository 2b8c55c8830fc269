using System.Security.Cryptography;
using System.Text;
using CloudHsm.Client.Resilience;
using CloudHsm.Protocol.V1;
using Google.Protobuf;
using Grpc.Net.Client;

namespace CloudHsm.Client;

/// <summary>
/// A connection to the partition's nodes with this application's own login (no host-wide shared
/// state). Every server must prove a chain to the configured PO.crt. Each client starts at the next
/// node of a process-wide rotation (so clients spread over the nodes) and stays there until a call
/// fails to reach it; then it fails over to the next node, logs in there again with the credentials
/// it holds, and retries (see HsmClient.Calls.cs for the rules).
/// </summary>
public sealed partial class HsmClient : IDisposable
{
    public const string ClientName = "cloudhsm-dotnet";
    private static readonly string ClientVersion = typeof(HsmClient).Assembly.GetName().Version?.ToString() ?? "0";

    private readonly ClientConfig _config;
    private readonly ServerTrust _trust;
    private readonly List<GrpcChannel> _channels = [];
    private readonly NodeCursor _nodes;

    public HsmClient(ClientConfig config)
        : this(config, startNode: null)
    {
    }

    /// <param name="startNode">Index in <see cref="ClientConfig.Nodes"/> of the first node to use; null: the next of the process-wide rotation.</param>
    public HsmClient(ClientConfig config, int? startNode)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Nodes is not { Count: > 0 }) throw new HsmClientException("RET_CONFIG_INVALID", "The client configuration names no nodes.");
        _config = config;
        _trust = ServerTrust.FromConfig(config);
        var clientCertificates = NodeChannels.ClientCertificates(config);
        foreach (var node in config.Nodes)
        {
            _channels.Add(NodeChannels.Create(node, _trust, clientCertificates));
        }
        _nodes = new NodeCursor(_channels.Count, startNode);
        RetryWindow = config.CallTimeout * 2;
    }

    public static HsmClient FromConfigFile(string? path = null) => new(ClientConfig.Load(path));

    /// <summary>
    /// How long after a call began it may still be retried (on another node, after a transient failure);
    /// twice the configured call timeout unless set.
    /// </summary>
    public TimeSpan RetryWindow { get; set; }

    /// <summary>True when the node was trusted through the pinned bootstrap certificate (partition not activated).</summary>
    public bool ConnectedToUnactivatedNode => _trust.AcceptedBootstrap;

    /// <summary>The node calls go to now (HOST:PORT).</summary>
    public string CurrentNode => _config.Nodes[_nodes.Current];

    private static Protocol.V1.Partition.PartitionClient PartitionApi(GrpcChannel channel) => new(channel);
    private static Users.UsersClient UsersApi(GrpcChannel channel) => new(channel);
    private static Keys.KeysClient KeysApi(GrpcChannel channel) => new(channel);
    private static Protocol.V1.Crypto.CryptoClient CryptoApi(GrpcChannel channel) => new(channel);

    public Task<PartitionInfo> GetPartitionInfoAsync(CancellationToken ct = default) =>
        CallAsync((c, o) => PartitionApi(c).GetPartitionInfoAsync(new Empty(), o).ResponseAsync, ct);

    public Task<ClusterInfo> GetClusterInfoAsync(CancellationToken ct = default) =>
        CallAsync((c, o) => PartitionApi(c).GetClusterInfoAsync(new Empty(), o).ResponseAsync, ct);

    public Task CreateUserAsync(UserType type, string name, string password, CancellationToken ct = default) =>
        CallAsync((c, o) => UsersApi(c).CreateUserAsync(new CreateUserRequest { Type = type, Name = name, Password = Secret(password) }, o).ResponseAsync, ct);

    public Task DeleteUserAsync(UserType type, string name, CancellationToken ct = default) =>
        CallAsync((c, o) => UsersApi(c).DeleteUserAsync(new UserRef { Type = type, Name = name }, o).ResponseAsync, ct);

    /// <summary>Changes a password; when it is this client's own, the credentials held for logging in again take the new one.</summary>
    public async Task ChangePasswordAsync(UserType type, string name, string newPassword, CancellationToken ct = default)
    {
        await CallAsync((c, o) => UsersApi(c).ChangePasswordAsync(new ChangePasswordRequest { Type = type, Name = name, NewPassword = Secret(newPassword) }, o).ResponseAsync, ct);
        await OwnPasswordChangedAsync(type, name, newPassword);
    }

    public async Task<IReadOnlyList<User>> ListUsersAsync(CancellationToken ct = default) =>
        (await CallAsync((c, o) => UsersApi(c).ListUsersAsync(new Empty(), o).ResponseAsync, ct)).Users;

    public Task UnlockUserAsync(UserType type, string name, CancellationToken ct = default) =>
        CallAsync((c, o) => UsersApi(c).UnlockUserAsync(new UserRef { Type = type, Name = name }, o).ResponseAsync, ct);

    public Task SetUserAttributesAsync(string name, IEnumerable<string> restrictions, CancellationToken ct = default)
    {
        var request = new SetUserAttributesRequest { Name = name };
        request.Restrictions.AddRange(restrictions);
        return CallAsync((c, o) => UsersApi(c).SetUserAttributesAsync(request, o).ResponseAsync, ct);
    }

    public Task DisableUserAccessAsync(CancellationToken ct = default) =>
        CallAsync((c, o) => UsersApi(c).DisableUserAccessAsync(new Empty(), o).ResponseAsync, ct);

    public async Task<string> GetCertReqAsync(CancellationToken ct = default) =>
        (await CallAsync((c, o) => PartitionApi(c).GetCertReqAsync(new Empty(), o).ResponseAsync, ct)).Pem;

    public Task StoreCertAsync(int slot, byte[] certificate, CancellationToken ct = default) =>
        CallAsync((c, o) => PartitionApi(c).StoreCertAsync(new StoreCertRequest { Slot = slot, Certificate = ByteString.CopyFrom(certificate) }, o).ResponseAsync, ct);

    public async Task<string> GetCertAsync(int slot, CancellationToken ct = default) =>
        (await CallAsync((c, o) => PartitionApi(c).GetCertAsync(new GetCertRequest { Slot = slot }, o).ResponseAsync, ct)).Pem;

    public Task<ChallengeReply> GetChallengeAsync(string name, CancellationToken ct = default) =>
        CallAsync((c, o) => UsersApi(c).GetChallengeAsync(new ChallengeRequest { Name = name }, o).ResponseAsync, ct);

    public Task UnlockCoAsync(string name, byte[] nonce, byte[] signature, string newPassword, CancellationToken ct = default) =>
        CallAsync((c, o) => UsersApi(c).UnlockCoAsync(new UnlockCoRequest
        {
            Name = name, Nonce = ByteString.CopyFrom(nonce), Signature = ByteString.CopyFrom(signature), NewPassword = Secret(newPassword),
        }, o).ResponseAsync, ct);

    /// <summary>Sent once, to the current node only: an irreversible step that ends the node is not repeated.</summary>
    public Task ZeroizeAsync(string confirmSerialNumber, CancellationToken ct = default) =>
        CallOnceAsync((c, o) => PartitionApi(c).ZeroizeAsync(new ZeroizeRequest { ConfirmSerialNumber = confirmSerialNumber }, o).ResponseAsync, ct);

    private static ByteString Secret(string password)
    {
        var bytes = Encoding.UTF8.GetBytes(password);
        try
        {
            return ByteString.CopyFrom(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }
}
