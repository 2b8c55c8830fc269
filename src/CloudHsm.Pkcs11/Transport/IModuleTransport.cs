using Google.Protobuf;

namespace CloudHsm.Pkcs11.Transport;

/// <summary>
/// How the module reaches the node: one synchronous call on the caller's thread, named by its gRPC
/// full name ("/cloudhsm.v1.Crypto/Sign"), with the API's protobuf messages. A refusal arrives as
/// <see cref="Client.HsmClientException"/> with the stable RET_* name; a node that stays unreachable
/// as a transient one, after the retries that are safe (<see cref="RetryPolicy"/>).
/// </summary>
internal interface IModuleTransport : IDisposable
{
    /// <summary>The bearer token of the application's login, sent with every call while set.</summary>
    string? AuthorizationToken { get; set; }

    /// <summary>Who logs the application in again when the node no longer knows its token (null: nobody).</summary>
    ILoginRenewal? Renewal { get; set; }

    TResponse Call<TResponse>(string method, IMessage request, MessageParser<TResponse> parser) where TResponse : class, IMessage<TResponse>;
}

/// <summary>The full names of the node's methods the module calls.</summary>
internal static class NodeMethods
{
    public const string GetPartitionInfo = "/cloudhsm.v1.Partition/GetPartitionInfo";
    public const string Login = "/cloudhsm.v1.Users/Login";
    public const string Logout = "/cloudhsm.v1.Users/Logout";
    public const string GenerateKey = "/cloudhsm.v1.Keys/GenerateKey";
    public const string GenerateKeyPair = "/cloudhsm.v1.Keys/GenerateKeyPair";
    public const string FindKeys = "/cloudhsm.v1.Keys/FindKeys";
    public const string GetKeyInfo = "/cloudhsm.v1.Keys/GetKeyInfo";
    public const string GetAttribute = "/cloudhsm.v1.Keys/GetAttribute";
    public const string SetAttribute = "/cloudhsm.v1.Keys/SetAttribute";
    public const string DeleteKey = "/cloudhsm.v1.Keys/DeleteKey";
    public const string CreateObject = "/cloudhsm.v1.Keys/CreateObject";
    public const string CopyObject = "/cloudhsm.v1.Keys/CopyObject";
    public const string Sign = "/cloudhsm.v1.Crypto/Sign";
    public const string Verify = "/cloudhsm.v1.Crypto/Verify";
    public const string Encrypt = "/cloudhsm.v1.Crypto/Encrypt";
    public const string Decrypt = "/cloudhsm.v1.Crypto/Decrypt";
    public const string Digest = "/cloudhsm.v1.Crypto/Digest";
    public const string GenerateRandom = "/cloudhsm.v1.Crypto/GenerateRandom";
    public const string WrapKey = "/cloudhsm.v1.Keys/WrapKey";
    public const string UnwrapKey = "/cloudhsm.v1.Keys/UnwrapKey";
    public const string DeriveKey = "/cloudhsm.v1.Keys/DeriveKey";
    public const string OpenSession = "/cloudhsm.v1.Users/OpenSession";
    public const string GetSessionInfo = "/cloudhsm.v1.Users/GetSessionInfo";
    public const string CloseSession = "/cloudhsm.v1.Users/CloseSession";
    public const string ChangePassword = "/cloudhsm.v1.Users/ChangePassword";
}
