using CloudHsm.Core.Errors;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Commands;

/// <summary>What a caller may ask for; each maps to the roles that may do it (<see cref="Permissions"/>).</summary>
public enum Operation
{
    StoreCertificate,
    GetCertificateRequest,
    GetCertificate,
    ManageUsers,
    ListUsers,
    ChangeOwnPassword,
    DisableOfficerAccess,
    OwnerRecovery,
    Zeroize,
    UseKeys,
    ManageKeyTrust,
    ManageCluster,
    ViewCluster,
}

/// <summary>
/// The role matrix, in one table: which roles may do an operation and in which partition state.
/// Used by the state machine for changes and by the partition service for reads.
/// </summary>
public static class Permissions
{
    private sealed record Rule(string Description, UserType[] Roles, bool BeforeActivation, bool AfterActivation, bool NeedsLogin = true);

    private static readonly Dictionary<Operation, Rule> Rules = new()
    {
        [Operation.StoreCertificate] = new("store partition certificates", [UserType.PRECO, UserType.CO], true, true),
        [Operation.GetCertificateRequest] = new("get the partition CSR", [UserType.PRECO, UserType.CO], true, true),
        [Operation.GetCertificate] = new("read partition certificates", [UserType.PRECO, UserType.CO, UserType.CU, UserType.AU], true, true),
        [Operation.ManageUsers] = new("manage users", [UserType.CO], false, true),
        [Operation.ListUsers] = new("list users", [UserType.CO, UserType.CU, UserType.AU], false, true),
        [Operation.ChangeOwnPassword] = new("change its own password", [UserType.PRECO, UserType.CO, UserType.CU, UserType.AU], true, true),
        [Operation.DisableOfficerAccess] = new("disable officer access", [UserType.CU], false, true),
        [Operation.OwnerRecovery] = new("recover a CO", [], false, true, NeedsLogin: false),
        [Operation.Zeroize] = new("zeroize the partition", [UserType.CO], false, true),
        [Operation.UseKeys] = new("own or use keys", [UserType.CU], false, true),
        [Operation.ManageKeyTrust] = new("change key attributes", [UserType.CU, UserType.CO], false, true),
        [Operation.ManageCluster] = new("add or remove cluster nodes", [UserType.PRECO, UserType.CO], true, true),
        [Operation.ViewCluster] = new("inspect the cluster", [UserType.PRECO, UserType.CO, UserType.CU, UserType.AU], true, true),
    };

    /// <summary>Throws the specific refusal when <paramref name="actor"/> may not do <paramref name="operation"/> now.</summary>
    public static void Require(Actor? actor, PartitionRecord partition, Operation operation)
    {
        var refusal = Check(actor, partition, operation);
        if (refusal is not null) throw refusal;
    }

    public static HsmException? Check(Actor? actor, PartitionRecord partition, Operation operation)
    {
        var rule = Rules[operation];
        var active = partition.Status == PartitionStatus.Active;
        if (partition.Status == PartitionStatus.Zeroized)
        {
            return new HsmException(HsmError.RET_PARTITION_ZEROIZED, "The partition was zeroized; restart the node to initialise it again.");
        }
        if (!active && !rule.BeforeActivation)
        {
            return new HsmException(HsmError.RET_NOT_ACTIVATED, $"The partition is not activated yet: no one can {rule.Description} before activation.");
        }
        if (active && !rule.AfterActivation)
        {
            return new HsmException(HsmError.RET_ALREADY_ACTIVATED, $"The partition is already activated.");
        }
        if (!rule.NeedsLogin) return null;
        if (actor is null)
        {
            return new HsmException(HsmError.RET_USER_NOT_LOGGED_IN, "Log in first (loginHSM).");
        }
        if (active && actor.Type == UserType.PRECO)
        {
            return new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, "PRECO exists only before activation.");
        }
        if (!rule.Roles.Contains(actor.Type))
        {
            return new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, $"A {actor.Type} cannot {rule.Description}.");
        }
        return null;
    }
}
