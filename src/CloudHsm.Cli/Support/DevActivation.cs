using CloudHsm.Client;
using CloudHsm.Core.Owner;
using CloudHsm.Protocol.V1;
using CloudHsm.Storage;

namespace CloudHsm.Cli.Support;

/// <summary>
/// The development partition's files (DIR/owner, DIR/client.json, DIR/credentials.json) and its
/// activation with a development PO key. Shared by the one-node and the cluster `dev up`.
/// </summary>
internal static class DevActivation
{
    public const string CoName = "admin";
    public const string CuName = "app_user";

    public static string ClientConfigPath(string directory) => Path.Combine(directory, "client.json");
    public static string CredentialsPath(string directory) => Path.Combine(directory, "credentials.json");
    public static string OwnerDirectory(string directory) => Path.Combine(directory, "owner");

    /// <summary>PO.crt relative to the folder of client.json.</summary>
    public const string PoCertificate = "owner/PO.crt";

    public static string CoPassword(string directory) =>
        CredentialsFile.Read(CredentialsPath(directory)).Users.First(u => u.Type == "CO").Password;

    /// <summary>
    /// Activates the partition through the node at <paramref name="endpoint"/>. Safe to run again after
    /// an interruption: the owner key and the passwords are kept (and the passwords written) before the
    /// first step, and steps already done are skipped.
    /// </summary>
    public static async Task ActivateAsync(string directory, string endpoint, string dataDir, TextWriter log, CancellationToken ct)
    {
        var owner = LoadOrCreateOwner(directory, log);
        var credentialsPath = CredentialsPath(directory);
        var credentials = File.Exists(credentialsPath) ? CredentialsFile.Read(credentialsPath) : new CredentialsFile([
            new("CO", CoName, StrongPassword.Generate()), new("CU", CuName, StrongPassword.Generate())]);
        SecureFile.WriteAllBytes(credentialsPath, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(credentials, CliJsonContext.Default.CredentialsFile));
        var coPassword = credentials.Users.First(u => u.Type == "CO").Password;
        var cuPassword = credentials.Users.First(u => u.Type == "CU").Password;

        var config = new ClientConfig { Nodes = [endpoint], PoCertificate = PoCertificate };
        var bootstrap = config with { BaseDirectory = directory, BootstrapCertificate = Path.Combine(dataDir, Node.Tls.NodeTlsIdentity.BootstrapFileName) };
        using (var preco = new HsmClient(bootstrap))
        {
            await preco.LoginAsync(UserType.Preco, "admin", Core.Partition.PartitionService.PrecoDefaultPassword, ct);
            var info = await preco.GetPartitionInfoAsync(ct);
            var ownerDer = OwnerCertificates.ToDer(System.Text.Encoding.ASCII.GetBytes(owner.CertificatePem));
            if (info.OwnerFingerprintSha256.Length == 0)
            {
                await preco.StoreCertAsync(4, ownerDer, ct);
            }
            else if (info.OwnerFingerprintSha256 != OwnerCertificates.Fingerprint(ownerDer))
            {
                throw new CliException("RET_CERT_ALREADY_STORED", $"The partition in {directory} holds another PO.crt; use another --dir.");
            }
            var csr = await preco.GetCertReqAsync(ct);
            var poac = OwnerTools.SignPartitionRequest(System.Text.Encoding.ASCII.GetBytes(csr), owner.CertificatePem, owner.PrivateKeyPem, 3650);
            File.WriteAllText(Path.Combine(OwnerDirectory(directory), "POAC.crt"), poac);
            try
            {
                await preco.StoreCertAsync(8, System.Text.Encoding.ASCII.GetBytes(poac), ct);
            }
            catch (HsmClientException e) when (e.ErrorName == "RET_CERT_ALREADY_STORED")
            {
                // stored by an earlier, interrupted run
            }
            await preco.ChangePasswordAsync(UserType.Preco, "admin", coPassword, ct);
        }
        log.WriteLine("Activated: PO.crt (slot 4) and POAC.crt (slot 8) stored, PRECO admin is now CO admin.");
        config.Save(ClientConfigPath(directory));
        using (var co = new HsmClient(config with { BaseDirectory = directory }))
        {
            await co.LoginAsync(UserType.Co, CoName, coPassword, ct);
            await co.CreateUserAsync(UserType.Cu, CuName, cuPassword, ct);
            await co.LogoutAsync(ct);
        }
        log.WriteLine($"Created CO {CoName} and CU {CuName}; their passwords are in {credentialsPath} (0600).");
    }

    /// <summary>The development owner: kept across runs, so an interrupted activation can finish.</summary>
    private static OwnerTools.OwnerIdentity LoadOrCreateOwner(string directory, TextWriter log)
    {
        var ownerDirectory = OwnerDirectory(directory);
        Directory.CreateDirectory(ownerDirectory);
        var poKey = Path.Combine(ownerDirectory, "PO.key");
        var poCert = Path.Combine(ownerDirectory, "PO.crt");
        if (File.Exists(poKey) && File.Exists(poCert)) return new OwnerTools.OwnerIdentity(File.ReadAllText(poKey), File.ReadAllText(poCert));
        var owner = OwnerTools.CreateOwner("CN=CloudHSM dev partition owner", 3650);
        SecureFile.WriteAllText(poKey, owner.PrivateKeyPem);
        File.WriteAllText(poCert, owner.CertificatePem);
        log.WriteLine($"WARNING: the partition-owner key {poKey} was made for development. A real PO key belongs offline, never beside a node.");
        return owner;
    }
}
