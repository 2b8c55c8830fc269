using System.Text;
using CloudHsm.Core.Commands;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Owner;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Sealing;
using CloudHsm.Core.Sessions;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Tests.Support;

/// <summary>
/// A partition service over an in-memory store and a manual clock, with the owner's steps done the
/// way a person does them. Every password operation costs one PBKDF2 run (~0.3 s): keep them few.
/// </summary>
internal sealed class TestPartition : IDisposable
{
    public const string Officer = PartitionStateMachine.PrecoName;
    public const string OfficerPassword = "Officer-Pass-2024";
    public const string UserPassword = "Crypto-User-77";

    private TestPartition(PartitionPolicy policy, SessionLimits? limits)
    {
        Policy = policy;
        Log = new InMemoryCommandLog(Store);
        Sessions = new SessionRegistry(limits ?? new SessionLimits(), Clock);
        Service = new PartitionService(Store, Log, Keys, Sessions, Clock);
    }

    public PartitionPolicy Policy { get; }
    public ManualClock Clock { get; } = new();
    public InMemoryPartitionStore Store { get; } = new();
    public InMemoryCommandLog Log { get; }
    public DomainKeys Keys { get; } = new(DomainKeys.NewSecret());
    public SessionRegistry Sessions { get; }
    public PartitionService Service { get; }
    public OwnerTools.OwnerIdentity Owner { get; } = OwnerTools.CreateOwner("CN=Test Partition Owner", 365);

    public PartitionRecord Partition => Store.Partition ?? throw new InvalidOperationException("not initialised");

    /// <summary>Initialised, not activated.</summary>
    public static async Task<TestPartition> InitializedAsync(PartitionPolicy? policy = null)
    {
        var partition = new TestPartition(policy ?? new PartitionPolicy(), null);
        await partition.Service.InitializeAsync(partition.Policy);
        return partition;
    }

    /// <summary>Activated the way an owner does it; returns the partition and a CO login of <see cref="Officer"/>.</summary>
    public static async Task<(TestPartition Partition, LoginContext Officer)> ActiveAsync(PartitionPolicy? policy = null)
    {
        var partition = await InitializedAsync(policy);
        var preco = await partition.LoginAsync(UserType.PRECO, Officer, PartitionService.PrecoDefaultPassword);
        await partition.StoreOwnerCertificatesAsync(preco);
        await partition.Service.ChangePasswordAsync(preco, UserType.PRECO, Officer, OfficerPassword.AsMemory());
        var officer = await partition.LoginAsync(UserType.CO, Officer, OfficerPassword);
        return (partition, officer);
    }

    /// <summary>Slot 4 (PO.crt), then slot 8 (POAC.crt signed by the PO over this partition's CSR).</summary>
    public async Task StoreOwnerCertificatesAsync(LoginContext caller)
    {
        await Service.StoreCertificateAsync(caller, CertificateSlots.Owner, Encoding.ASCII.GetBytes(Owner.CertificatePem));
        var csr = Service.GetCertificateRequest(caller);
        var poac = OwnerTools.SignPartitionRequest(Encoding.ASCII.GetBytes(csr), Owner.CertificatePem, Owner.PrivateKeyPem, 30);
        await Service.StoreCertificateAsync(caller, CertificateSlots.PartitionOwnerAuthorized, Encoding.ASCII.GetBytes(poac));
    }

    public async Task<LoginContext> LoginAsync(UserType type, string name, string password)
    {
        var (_, login) = await Service.LoginAsync(type, name, password.AsMemory(), "tests");
        return login;
    }

    public ValueTask CreateUserAsync(LoginContext officer, UserType type, string name, string password = UserPassword) =>
        Service.CreateUserAsync(officer, type, name, password.AsMemory());

    /// <summary>The refusal an action ends with.</summary>
    public static async Task<HsmError> RefusalOf(Func<ValueTask> action)
    {
        var e = await Assert.ThrowsAsync<HsmException>(async () => await action());
        return e.Error;
    }

    /// <summary>Asserts the action is refused with <paramref name="expected"/> and changes no record at all.</summary>
    public async Task AssertRefusedWithoutChangeAsync(HsmError expected, Func<ValueTask> action)
    {
        var partitionBefore = Store.Partition;
        var usersBefore = UsersById();
        Assert.Equal(expected, await RefusalOf(action));
        Assert.Same(partitionBefore, Store.Partition);
        Assert.Equal(usersBefore, UsersById());
    }

    public List<UserRecord> UsersById() => Store.ListUsers().OrderBy(u => u.Id).ToList();

    public UserRecord User(string name) => Store.FindUser(name) ?? throw new InvalidOperationException($"no user {name}");

    public void Dispose() => Keys.Dispose();
}
