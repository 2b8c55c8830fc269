using CloudHsm.Client;
using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.IntegrationTests.Users;

/// <summary>
/// One activated partition shared by the tests of a class (each test uses its own user names), and a
/// CO login kept open to compare the users before and after a refusal without another login.
/// </summary>
public sealed class ActivatedPartitionFixture : IAsyncLifetime
{
    public TestPartition Partition { get; private set; } = null!;

    /// <summary>CO admin, logged in for the fixture's life.</summary>
    public HsmClient Officer { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Partition = await TestPartition.StartActivatedAsync();
        Officer = await Partition.LoginCoAsync();
    }

    /// <summary>Every user's visible state, through the open CO login.</summary>
    public Task<string> SnapshotAsync() => UserTestKit.SnapshotAsync(Officer);

    public async Task DisposeAsync()
    {
        Officer?.Dispose();
        if (Partition is not null) await Partition.DisposeAsync();
    }
}
