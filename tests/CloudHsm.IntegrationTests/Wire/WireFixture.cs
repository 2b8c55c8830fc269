using CloudHsm.IntegrationTests.Harness;
using CloudHsm.IntegrationTests.Users;
using CloudHsm.Protocol.V1;

namespace CloudHsm.IntegrationTests.Wire;

/// <summary>One activated node for a test class, with crypto user alice (each test uses its own key labels).</summary>
public sealed class WireFixture : IAsyncLifetime
{
    public const string Alice = "alice";
    public const string AlicePassword = "Crypto-User-2024!";

    public TestPartition Partition { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Partition = await TestPartition.StartActivatedAsync();
        await Partition.CreateUsersAsync((UserType.Cu, Alice, AlicePassword));
    }

    public async Task DisposeAsync()
    {
        if (Partition is not null) await Partition.DisposeAsync();
    }
}
