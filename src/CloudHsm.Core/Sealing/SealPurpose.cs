namespace CloudHsm.Core.Sealing;

/// <summary>
/// Associated data that binds a sealed blob to what it is, so a blob cannot be moved to
/// another place and opened there.
/// </summary>
public static class SealPurpose
{
    public const string IdentityKey = "cloudhsm/partition-identity-key/v1";
    public const string PasswordHash = "cloudhsm/password-hash/v1";
    public const string DomainKeyring = "cloudhsm/keyring/v1";
    public const string KeyMaterial = "cloudhsm/key-material/v1";
    public const string NodeIdentity = "cloudhsm/node-identity/v1";

    public static string StoreRecord(string kind, string id) => $"cloudhsm/record/{kind}/{id}";
}
