using CloudHsm.Core.Commands;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Sessions;
using CloudHsm.Core.Tests.Support;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Tests.Partition;

/// <summary>
/// A command acts for a user of the partition as it is when the command applies, not as it was when
/// the login was made.
/// </summary>
public class StaleActorTests
{
    [Fact]
    public async Task CommandFromAnActorThatIsNoUser_IsRefused()
    {
        var (partition, _) = await TestPartition.ActiveAsync();
        using var _p = partition;

        await Assert.ThrowsAsync<HsmException>(async () => await partition.Log.SubmitAsync(
            new CreateUser(new Actor("ghost", UserType.CO), UserType.CO, "mallory", [1]) { At = partition.Clock.GetUtcNow() }));
        Assert.Null(partition.Store.FindUser("mallory"));
    }

    [Fact]
    public async Task LoginThatRacesItsUsersDeletion_CannotManageUsers()
    {
        var (partition, officer) = await TestPartition.ActiveAsync();
        using var _p = partition;
        await partition.CreateUserAsync(officer, UserType.CO, "bob");
        // bob's password check (~0.3 s) completes; meanwhile the admin deletes bob.
        var racing = new PartitionService(partition.Store,
            new BeforeLoginSuccess(partition.Log, () => partition.Service.DeleteUserAsync(officer, UserType.CO, "bob")),
            partition.Keys, partition.Sessions, partition.Clock);

        LoginContext bob;
        try
        {
            bob = (await racing.LoginAsync(UserType.CO, "bob", TestPartition.UserPassword.AsMemory(), "tests")).Login;
        }
        catch (HsmException)
        {
            return; // refusing the login is one right answer
        }

        await Assert.ThrowsAsync<HsmException>(async () => await partition.CreateUserAsync(bob, UserType.CO, "mallory"));
        Assert.Null(partition.Store.FindUser("mallory"));
    }

    private sealed class BeforeLoginSuccess(ICommandLog inner, Func<ValueTask> action) : ICommandLog
    {
        public async ValueTask<CommandResult> SubmitAsync(PartitionCommand command, CancellationToken cancellationToken = default)
        {
            if (command is RecordLoginSuccess) await action();
            return await inner.SubmitAsync(command, cancellationToken);
        }
    }
}
