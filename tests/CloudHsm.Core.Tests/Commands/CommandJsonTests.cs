using System.Reflection;
using System.Text.Json.Serialization;
using CloudHsm.Core.Commands;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Tests.Commands;

/// <summary>Every command survives its byte form (what the log stores and Raft will carry) field for field.</summary>
public class CommandJsonTests
{
    private static readonly DateTimeOffset At = new(2025, 3, 4, 5, 6, 7, 891, TimeSpan.FromHours(2));
    private static readonly Actor Officer = new("admin", UserType.CO);

    /// <summary>One command of each type, every field away from its default so that a dropped field shows.</summary>
    private static readonly Dictionary<string, PartitionCommand> Samples = new()
    {
        ["initializePartition"] = new InitializePartition("00AA11BB22CC33DD", [1, 2, 3], [4, 5, 6], [7, 8, 9],
            new PartitionPolicy { MaxUsers = 7, LockoutThreshold = 3, MinPasswordLength = 10, ChallengeLifetimeSeconds = 60 }) { At = At },
        ["storeCert"] = new StoreCertificate(Officer, CertificateSlots.PartitionOwnerAuthorized, [0x30, 0x82, 0x01]) { At = At },
        ["createUser"] = new CreateUser(Officer, UserType.AU, "watcher", [10, 11]) { At = At },
        ["deleteUser"] = new DeleteUser(Officer, UserType.CU, "alice") { At = At },
        ["changePswd"] = new ChangePassword(Officer, UserType.CU, "alice", [12, 13]) { At = At },
        ["loginFailure"] = new RecordLoginFailure("alice") { At = At },
        ["loginSuccess"] = new RecordLoginSuccess("bob") { At = At },
        ["unlockUser"] = new UnlockUser(Officer, UserType.CU, "alice") { At = At },
        ["setUserAttributes"] = new SetUserAttributes(Officer, "alice", UserRestrictions.NoExport | UserRestrictions.NoDerive) { At = At },
        ["disableUserAccess"] = new DisableUserAccess(new Actor("alice", UserType.CU)) { At = At },
        ["getChallenge"] = new IssueChallenge("admin", [14, 15, 16], At.AddSeconds(300)) { At = At },
        ["unlockCO"] = new RecoverOfficer("admin", [14, 15, 16], [17, 18], [19, 20]) { At = At },
        ["zeroize"] = new Zeroize(Officer) { At = At },
        ["createKeys"] = new CreateKeys(new Actor("alice", UserType.CU), [
            new NewKey(41, CloudHsm.Core.Keys.AttributeSet.Empty.With(CloudHsm.Core.Keys.AttributeId.Label, "k").With(CloudHsm.Core.Keys.AttributeId.Sensitive, true), [21, 22]),
            new NewKey(42, CloudHsm.Core.Keys.AttributeSet.Empty.With(CloudHsm.Core.Keys.AttributeId.ModulusBits, 2048UL), [23])]) { At = At },
        ["deleteKey"] = new DeleteKey(new Actor("alice", UserType.CU), 41) { At = At },
        ["setAttribute"] = new SetKeyAttribute(Officer, 41, CloudHsm.Core.Keys.AttributeId.Trusted, [1]) { At = At },
        ["shareKey"] = new ShareKey(new Actor("alice", UserType.CU), 41, "bob", true) { At = At },
        ["rotateKey"] = new RotateKey(new Actor("alice", UserType.CU), 41, [
            new NewKey(43, CloudHsm.Core.Keys.AttributeSet.Empty.With(CloudHsm.Core.Keys.AttributeId.Label, "k"), [24, 25])]) { At = At },
        ["retireKey"] = new RetireKey(new Actor("alice", UserType.CU), 41) { At = At },
        ["recordKeyUse"] = new RecordKeyUse([41, 42]) { At = At },
        ["addNode"] = new AdmitNode(Officer, new ClusterNode("ab12", "127.0.0.1:2227", "127.0.0.1:2225", [0x30, 0x82], At)) { At = At, RequestId = "req-1" },
        ["removeNode"] = new RemoveNode(Officer, "ab12") { At = At },
    };

    public static TheoryData<string> Operations => new(Samples.Keys);

    [Theory]
    [MemberData(nameof(Operations))]
    public void Command_RoundTripsThroughItsByteForm(string operation)
    {
        var command = Samples[operation];

        var bytes = CommandJson.Serialize(command);
        var back = CommandJson.Deserialize(bytes);

        Assert.Contains($"\"op\":\"{operation}\"", System.Text.Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.IsType(command.GetType(), back);
        foreach (var property in command.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            Assert.Equal(property.GetValue(command), property.GetValue(back));
        }
        Assert.Equal(At.Offset, back.At.Offset);
    }

    [Fact]
    public void EveryCommandType_HasASample()
    {
        var declared = typeof(PartitionCommand).GetCustomAttributes<JsonDerivedTypeAttribute>()
            .ToDictionary(a => (string)a.TypeDiscriminator!, a => a.DerivedType);

        Assert.Equal(declared.Keys.Order(), Samples.Keys.Order());
        Assert.All(declared, d => Assert.IsType(d.Value, Samples[d.Key]));
    }

    [Fact]
    public void UnknownOperation_IsNotRead()
    {
        Assert.ThrowsAny<Exception>(() => CommandJson.Deserialize("""{"op":"format-disk","at":"2025-01-01T00:00:00Z"}"""u8));
        Assert.ThrowsAny<Exception>(() => CommandJson.Deserialize("null"u8));
    }
}
