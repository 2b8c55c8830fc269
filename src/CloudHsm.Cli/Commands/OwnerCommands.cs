using System.CommandLine;
using System.Text.Json.Nodes;
using CloudHsm.Cli.Support;
using CloudHsm.Core.Owner;
using CloudHsm.Storage;

namespace CloudHsm.Cli.Commands;

/// <summary>`cloudhsm po ...`: the partition owner's offline tools (no node involved).</summary>
internal static class OwnerCommands
{
    public static Command Create()
    {
        var po = new Command("po", "Partition-owner tools that work offline: make PO.key/PO.crt, sign the partition CSR, sign a CO-recovery challenge.");
        po.Subcommands.Add(CreateOwner());
        po.Subcommands.Add(SignCsr());
        po.Subcommands.Add(SignChallenge());
        return po;
    }

    private static Command CreateOwner()
    {
        var outDir = new Option<string>("--out") { Description = "Folder for PO.key (0600) and PO.crt.", DefaultValueFactory = _ => "." };
        var subject = new Option<string>("--subject") { Description = "Subject of PO.crt.", DefaultValueFactory = _ => "CN=CloudHSM Partition Owner" };
        var days = new Option<int>("--days") { Description = "Validity in days.", DefaultValueFactory = _ => 3650 };
        var command = new Command("create", "Create PO.key (RSA-2048) and a self-signed CA certificate PO.crt. Keep PO.key offline.") { outDir, subject, days };
        command.SetAction((parse, _) => CommonOptions.RunAsync(parse, () =>
        {
            var dir = parse.GetValue(outDir)!;
            Directory.CreateDirectory(dir);
            var keyPath = Path.Combine(dir, "PO.key");
            var certPath = Path.Combine(dir, "PO.crt");
            if (File.Exists(keyPath)) throw new CliException("RET_INVALID_INPUT", $"{keyPath} exists already; refusing to overwrite an owner key.");
            var owner = OwnerTools.CreateOwner(parse.GetValue(subject)!, parse.GetValue(days));
            SecureFile.WriteAllText(keyPath, owner.PrivateKeyPem);
            File.WriteAllText(certPath, owner.CertificatePem);
            return Task.FromResult(new JsonObject { ["key"] = keyPath, ["certificate"] = certPath });
        }, r => $"wrote {r["key"]} (0600, keep it offline) and {r["certificate"]}"));
        return command;
    }

    private static Command SignCsr()
    {
        var csr = new Option<string>("--csr") { Description = "The partition CSR from getCertReq.", Required = true };
        var cert = new Option<string>("--po-cert") { Description = "PO.crt", DefaultValueFactory = _ => "PO.crt" };
        var key = new Option<string>("--po-key") { Description = "PO.key", DefaultValueFactory = _ => "PO.key" };
        var output = new Option<string>("--out") { Description = "Where to write POAC.crt.", DefaultValueFactory = _ => "POAC.crt" };
        var days = new Option<int>("--days") { Description = "Validity in days (at most the PO's).", DefaultValueFactory = _ => 3650 };
        var client = new Option<bool>("--client") { Description = "Make an application's client certificate (extendedKeyUsage clientAuth) instead of POAC.crt." };
        var command = new Command("sign-csr", "Sign the partition CSR with PO.key into POAC.crt (as openssl x509 -req -CA PO.crt -CAkey PO.key), or with --client an application's client certificate.") { csr, cert, key, output, days, client };
        command.SetAction((parse, _) => CommonOptions.RunAsync(parse, () =>
        {
            var purpose = parse.GetValue(client) ? OwnerTools.CertificatePurpose.Client : OwnerTools.CertificatePurpose.Partition;
            var pem = OwnerTools.SignRequest(File.ReadAllBytes(parse.GetValue(csr)!), File.ReadAllText(parse.GetValue(cert)!),
                File.ReadAllText(parse.GetValue(key)!), parse.GetValue(days), purpose);
            File.WriteAllText(parse.GetValue(output)!, pem);
            return Task.FromResult(new JsonObject { ["certificate"] = parse.GetValue(output) });
        }, r => $"wrote {r["certificate"]}"));
        return command;
    }

    private static Command SignChallenge()
    {
        var challenge = new Option<string>("--challenge") { Description = "The challenge file from getChallenge.", Required = true };
        var key = new Option<string>("--po-key") { Description = "PO.key", DefaultValueFactory = _ => "PO.key" };
        var output = new Option<string?>("--out") { Description = "Where to write the signature (default: CHALLENGE.sig)." };
        var command = new Command("sign-challenge", "Sign a CO-recovery challenge with PO.key (as openssl dgst -sha256 -sign PO.key).") { challenge, key, output };
        command.SetAction((parse, _) => CommonOptions.RunAsync(parse, () =>
        {
            var path = parse.GetValue(challenge)!;
            var signature = OwnerTools.SignChallenge(File.ReadAllBytes(path), File.ReadAllText(parse.GetValue(key)!));
            var outPath = parse.GetValue(output) ?? path + ".sig";
            File.WriteAllBytes(outPath, signature);
            return Task.FromResult(new JsonObject { ["signature"] = outPath });
        }, r => $"wrote {r["signature"]}"));
        return command;
    }
}
