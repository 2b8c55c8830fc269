using System.CommandLine;
using System.Text.Json.Nodes;
using CloudHsm.Cli.Support;
using CloudHsm.Client;
using CoreUserType = CloudHsm.Core.Users.UserType;

namespace CloudHsm.Cli.Commands;

/// <summary>`cloudhsm partition ...`: the partition's state and certificates.</summary>
internal static class PartitionCommands
{
    public static Command Create()
    {
        var partition = new Command("partition", "Partition state, certificates and zeroize.");
        var info = new Command("info", "Show the partition's state (no login needed).");
        info.SetAction((parse, _) => CommonOptions.RunAsync(parse, async () =>
        {
            using var client = HsmClient.FromConfigFile(parse.GetValue(CommonOptions.Config));
            var i = await client.GetPartitionInfoAsync();
            return new JsonObject
            {
                ["serialNumber"] = i.SerialNumber, ["status"] = i.Status.ToString(), ["users"] = i.Users, ["maxUsers"] = i.MaxUsers,
                ["ownerFingerprintSha256"] = i.OwnerFingerprintSha256, ["appliedCommands"] = i.AppliedCommands,
                ["ownerNotAfter"] = i.OwnerNotAfter?.ToDateTimeOffset().ToString("u"),
                ["keys"] = new JsonObject
                {
                    ["used"] = i.Keys, ["limit"] = i.MaxKeys,
                    ["private"] = i.PrivateKeys, ["public"] = i.PublicKeys, ["secret"] = i.SecretKeys,
                    ["session"] = i.SessionKeys, ["stale"] = i.StaleKeys, ["staleDays"] = i.StaleDays,
                },
            };
        }, r => string.Join(Environment.NewLine,
            $"partition {r["serialNumber"]}: {r["status"]}, {r["users"]} of {r["maxUsers"]} users, PO sha256:{r["ownerFingerprintSha256"]}",
            KeyUsage(r["keys"]!.AsObject()))));
        partition.Subcommands.Add(info);

        var slot = new Option<int>("--slot") { Description = "4 = PO.crt, 8 = POAC.crt.", Required = true };
        var output = new Option<string>("--out") { Description = "File to write.", Required = true };
        var file = new Option<string>("--file") { Description = "Certificate file (PEM or DER).", Required = true };
        partition.Subcommands.Add(UserCommands.Make("csr", "Write the partition CSR (PRECO before activation, CO after).", [output], CoreUserType.CO, async (c, p) =>
        {
            await File.WriteAllTextAsync(p.GetValue(output)!, await c.GetCertReqAsync());
            return new JsonObject { ["result"] = $"wrote {p.GetValue(output)}", ["file"] = p.GetValue(output) };
        }));
        partition.Subcommands.Add(UserCommands.Make("store-cert", "Store PO.crt (slot 4) or POAC.crt (slot 8).", [file, slot], CoreUserType.CO, async (c, p) =>
        {
            await c.StoreCertAsync(p.GetValue(slot), await File.ReadAllBytesAsync(p.GetValue(file)!));
            return new JsonObject { ["result"] = $"stored in slot {p.GetValue(slot)}" };
        }));
        partition.Subcommands.Add(UserCommands.Make("get-cert", "Write a stored certificate.", [slot, output], CoreUserType.CO, async (c, p) =>
        {
            await File.WriteAllTextAsync(p.GetValue(output)!, await c.GetCertAsync(p.GetValue(slot)));
            return new JsonObject { ["result"] = $"wrote {p.GetValue(output)}", ["file"] = p.GetValue(output) };
        }));
        var confirm = new Option<string?>("--confirm") { Description = "The partition serial number, typed as confirmation (asked for when missing)." };
        partition.Subcommands.Add(UserCommands.Make("zeroize", "Wipe every user and key. Irreversible.", [confirm], CoreUserType.CO, async (c, p) =>
        {
            var serial = p.GetValue(confirm);
            if (serial is null)
            {
                var i = await c.GetPartitionInfoAsync();
                Console.Error.Write($"Zeroize wipes every user and key of partition {i.SerialNumber}. Type its serial number to confirm: ");
                serial = Console.In.ReadLine() ?? "";
            }
            await c.ZeroizeAsync(serial);
            return new JsonObject { ["result"] = "zeroized; restart the node to initialise it again" };
        }));
        return partition;
    }

    /// <summary>Key handles used of the limit, by class (token keys; a pair counts two), then session and stale keys.</summary>
    private static string KeyUsage(JsonObject k) =>
        $"keys: {k["used"]} of {k["limit"]} handles ({k["private"]} private, {k["public"]} public, {k["secret"]} secret); "
        + $"{k["session"]} session keys on this node; {k["stale"]} not used in {k["staleDays"]} days";
}
