using System.Text;
using CloudHsm.Client;
using Google.Protobuf;
using ProtoAttribute = CloudHsm.Protocol.V1.Attribute;

namespace CloudHsm.ClusterLoad;

/// <summary>The two writes measured: an AES-256 token key (as the CU) and a CU (as the CO).</summary>
internal static class Writes
{
    private const ulong KeyTypeAes = 0x1F;   // CKK_AES
    private const ulong AttributeToken = 0x1; // CKA_TOKEN
    private const ulong AttributeLabel = 0x3; // CKA_LABEL
    public const string UserPassword = "Cluster-bench-1!";

    private static readonly ProtoAttribute[] KeyTemplate =
    [
        new() { Id = AttributeToken, Value = ByteString.CopyFrom(1) },
        new() { Id = AttributeLabel, Value = ByteString.CopyFrom(Encoding.UTF8.GetBytes("cluster-bench")) },
    ];

    public static Task<ulong> CreateKeyAsync(HsmClient client, CancellationToken ct = default) =>
        client.GenerateKeyAsync(KeyTypeAes, 32, KeyTemplate, ct);

    public static Task CreateUserAsync(HsmClient client, string name) =>
        client.CreateUserAsync(Protocol.V1.UserType.Cu, name, UserPassword);
}
