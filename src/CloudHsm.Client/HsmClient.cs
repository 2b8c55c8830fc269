using System.Security.Cryptography;
using System.Text;
using CloudHsm.Protocol;
using CloudHsm.Protocol.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace CloudHsm.Client;

/// <summary>
/// A connection to the partition's nodes with this application's own login (no host-wide shared
/// state). Every server must prove a chain to the configured PO.crt. Calls that fail to reach a node
/// move on to the next node while not logged in.
/// </summary>
public sealed partial class HsmClient : IDisposable
{
    public const string ClientName = "cloudhsm-dotnet";
    private static readonly string ClientVersion = typeof(HsmClient).Assembly.GetName().Version?.ToString() ?? "0";

    private readonly ClientConfig _config;
    private readonly ServerTrust _trust;
    private readonly List<GrpcChannel> _channels = [];
    private int _current;
    private string? _token;

    public HsmClient(ClientConfig config)
    {
        _config = config;
        _trust = ServerTrust.FromConfig(config);
        var clientCertificates = NodeChannels.ClientCertificates(config);
        foreach (var node in config.Nodes)
        {
            _channels.Add(NodeChannels.Create(node, _trust, clientCertificates));
        }
    }

    public static HsmClient FromConfigFile(string? path = null) => new(ClientConfig.Load(path));

    public bool IsLoggedIn => _token is not null;

    public string? LoggedInAs { get; private set; }

    /// <summary>True when the node was trusted through the pinned bootstrap certificate (partition not activated).</summary>
    public bool ConnectedToUnactivatedNode => _trust.AcceptedBootstrap;

    public string CurrentNode => _config.Nodes[_current];

    private Protocol.V1.Partition.PartitionClient PartitionApi => new(_channels[_current]);
    private Users.UsersClient UsersApi => new(_channels[_current]);
    private Keys.KeysClient KeysApi => new(_channels[_current]);
    private Protocol.V1.Crypto.CryptoClient CryptoApi => new(_channels[_current]);

    public Task<PartitionInfo> GetPartitionInfoAsync(CancellationToken ct = default) =>
        CallAsync(o => PartitionApi.GetPartitionInfoAsync(new Empty(), o).ResponseAsync, ct);

    public Task<ClusterInfo> GetClusterInfoAsync(CancellationToken ct = default) =>
        CallAsync(o => PartitionApi.GetClusterInfoAsync(new Empty(), o).ResponseAsync, ct);

    public async Task<LoginReply> LoginAsync(UserType type, string name, string password, CancellationToken ct = default)
    {
        var reply = await CallAsync(o => UsersApi.LoginAsync(new LoginRequest { Type = type, Name = name, Password = Secret(password) }, o).ResponseAsync, ct);
        _token = reply.Token;
        LoggedInAs = reply.Name;
        return reply;
    }

    public async Task LogoutAsync(CancellationToken ct = default)
    {
        if (_token is null) return;
        try
        {
            await CallAsync(o => UsersApi.LogoutAsync(new Empty(), o).ResponseAsync, ct);
        }
        finally
        {
            _token = null;
            LoggedInAs = null;
        }
    }

    public async Task<ulong> OpenSessionAsync(CancellationToken ct = default) =>
        (await CallAsync(o => UsersApi.OpenSessionAsync(new Empty(), o).ResponseAsync, ct)).Handle;

    public Task CloseSessionAsync(ulong handle, CancellationToken ct = default) =>
        CallAsync(o => UsersApi.CloseSessionAsync(new SessionRequest { Handle = handle }, o).ResponseAsync, ct);

    public Task<SessionInfo> GetSessionInfoAsync(ulong handle, CancellationToken ct = default) =>
        CallAsync(o => UsersApi.GetSessionInfoAsync(new SessionRequest { Handle = handle }, o).ResponseAsync, ct);

    public Task CreateUserAsync(UserType type, string name, string password, CancellationToken ct = default) =>
        CallAsync(o => UsersApi.CreateUserAsync(new CreateUserRequest { Type = type, Name = name, Password = Secret(password) }, o).ResponseAsync, ct);

    public Task DeleteUserAsync(UserType type, string name, CancellationToken ct = default) =>
        CallAsync(o => UsersApi.DeleteUserAsync(new UserRef { Type = type, Name = name }, o).ResponseAsync, ct);

    public Task ChangePasswordAsync(UserType type, string name, string newPassword, CancellationToken ct = default) =>
        CallAsync(o => UsersApi.ChangePasswordAsync(new ChangePasswordRequest { Type = type, Name = name, NewPassword = Secret(newPassword) }, o).ResponseAsync, ct);

    public async Task<IReadOnlyList<User>> ListUsersAsync(CancellationToken ct = default) =>
        (await CallAsync(o => UsersApi.ListUsersAsync(new Empty(), o).ResponseAsync, ct)).Users;

    public Task UnlockUserAsync(UserType type, string name, CancellationToken ct = default) =>
        CallAsync(o => UsersApi.UnlockUserAsync(new UserRef { Type = type, Name = name }, o).ResponseAsync, ct);

    public Task SetUserAttributesAsync(string name, IEnumerable<string> restrictions, CancellationToken ct = default)
    {
        var request = new SetUserAttributesRequest { Name = name };
        request.Restrictions.AddRange(restrictions);
        return CallAsync(o => UsersApi.SetUserAttributesAsync(request, o).ResponseAsync, ct);
    }

    public Task DisableUserAccessAsync(CancellationToken ct = default) =>
        CallAsync(o => UsersApi.DisableUserAccessAsync(new Empty(), o).ResponseAsync, ct);

    public async Task<string> GetCertReqAsync(CancellationToken ct = default) =>
        (await CallAsync(o => PartitionApi.GetCertReqAsync(new Empty(), o).ResponseAsync, ct)).Pem;

    public Task StoreCertAsync(int slot, byte[] certificate, CancellationToken ct = default) =>
        CallAsync(o => PartitionApi.StoreCertAsync(new StoreCertRequest { Slot = slot, Certificate = ByteString.CopyFrom(certificate) }, o).ResponseAsync, ct);

    public async Task<string> GetCertAsync(int slot, CancellationToken ct = default) =>
        (await CallAsync(o => PartitionApi.GetCertAsync(new GetCertRequest { Slot = slot }, o).ResponseAsync, ct)).Pem;

    public Task<ChallengeReply> GetChallengeAsync(string name, CancellationToken ct = default) =>
        CallAsync(o => UsersApi.GetChallengeAsync(new ChallengeRequest { Name = name }, o).ResponseAsync, ct);

    public Task UnlockCoAsync(string name, byte[] nonce, byte[] signature, string newPassword, CancellationToken ct = default) =>
        CallAsync(o => UsersApi.UnlockCoAsync(new UnlockCoRequest
        {
            Name = name, Nonce = ByteString.CopyFrom(nonce), Signature = ByteString.CopyFrom(signature), NewPassword = Secret(newPassword),
        }, o).ResponseAsync, ct);

    public Task ZeroizeAsync(string confirmSerialNumber, CancellationToken ct = default) =>
        CallAsync(o => PartitionApi.ZeroizeAsync(new ZeroizeRequest { ConfirmSerialNumber = confirmSerialNumber }, o).ResponseAsync, ct);

    private async Task<T> CallAsync<T>(Func<CallOptions, Task<T>> call, CancellationToken ct)
    {
        var attempts = _token is null ? _channels.Count : 1;
        for (var attempt = 0; ; attempt++)
        {
            var headers = new Metadata { { WireNames.ClientHeader, $"{ClientName}/{ClientVersion}" } };
            if (_token is not null) headers.Add(WireNames.AuthorizationHeader, "Bearer " + _token);
            var options = new CallOptions(headers, DateTime.UtcNow.Add(_config.CallTimeout), ct);
            try
            {
                return await call(options);
            }
            catch (RpcException e)
            {
                var error = Translate(e);
                if (error.IsTransient && attempt + 1 < attempts)
                {
                    _current = (_current + 1) % _channels.Count;
                    continue;
                }
                throw error;
            }
        }
    }

    private HsmClientException Translate(RpcException e) => NodeChannels.Translate(e, CurrentNode, _trust);

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

    public void Dispose()
    {
        foreach (var channel in _channels) channel.Dispose();
    }
}
