using CloudHsm.IntegrationTests.Harness;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>C_SetPIN (own password) and C_InitPIN (a CO sets a CU's password), each on a user of its own.</summary>
[Collection(ModuleCollection.Name)]
public sealed class PinTests(ModuleFixture module)
{
    private const string FirstPassword = "First-Pass-2024!";
    private const string SecondPassword = "Second-Pass-2025!";

    private async Task<string> NewUserAsync(string prefix)
    {
        var name = prefix + Guid.NewGuid().ToString("N")[..6];
        (await module.Partition.AsCoAsync("createUser", "CU", name, FirstPassword)).ShouldSucceed();
        return name;
    }

    private CKR LoginResult(string pin, CKU type = CKU.CKU_USER)
    {
        using var session = module.Slot.OpenSession(SessionType.ReadWrite);
        try
        {
            session.Login(type, pin);
            session.Logout();
            return CKR.CKR_OK;
        }
        catch (Pkcs11Exception e)
        {
            return e.RV;
        }
    }

    [Fact]
    public async Task SetPinChangesTheOwnPasswordAndTheOldOneStopsWorking()
    {
        var name = await NewUserAsync("setpin");
        using (var session = module.Slot.OpenSession(SessionType.ReadWrite))
        {
            session.Login(CKU.CKU_USER, $"{name}:{FirstPassword}");
            // The old PIN as the password alone, the new one in the "name:password" form.
            session.SetPin(FirstPassword, $"{name}:{SecondPassword}");
            // The application's login goes on.
            Assert.Equal(CKS.CKS_RW_USER_FUNCTIONS, session.GetSessionInfo().State);
        }
        Assert.Equal(CKR.CKR_PIN_INCORRECT, LoginResult($"{name}:{FirstPassword}"));
        Assert.Equal(CKR.CKR_OK, LoginResult($"{name}:{SecondPassword}"));

        // And back, both in the "name:password" form.
        using (var session = module.Slot.OpenSession(SessionType.ReadWrite))
        {
            session.Login(CKU.CKU_USER, $"{name}:{SecondPassword}");
            session.SetPin($"{name}:{SecondPassword}", $"{name}:{FirstPassword}");
        }
        Assert.Equal(CKR.CKR_OK, LoginResult($"{name}:{FirstPassword}"));
    }

    [Fact]
    public async Task SetPinRefusalsChangeNothing()
    {
        var name = await NewUserAsync("setpinno");
        using (var session = module.Slot.OpenSession(SessionType.ReadWrite))
        {
            Assert.Equal(CKR.CKR_USER_NOT_LOGGED_IN, Assert.Throws<Pkcs11Exception>(() => session.SetPin(FirstPassword, SecondPassword)).RV);
            session.Login(CKU.CKU_USER, $"{name}:{FirstPassword}");
            Pkcs11Exception Refused(string oldPin, string newPin) => Assert.Throws<Pkcs11Exception>(() => session.SetPin(oldPin, newPin));
            Assert.Equal(CKR.CKR_PIN_INCORRECT, Refused("Not-The-Password-1", SecondPassword).RV);
            // Another user's name is not the logged-in user's PIN, old or new.
            Assert.Equal(CKR.CKR_PIN_INCORRECT, Refused($"{ModuleFixture.User}:{FirstPassword}", SecondPassword).RV);
            Assert.Equal(CKR.CKR_PIN_INVALID, Refused(FirstPassword, $"{ModuleFixture.User}:{SecondPassword}").RV);
            Assert.Equal(CKR.CKR_PIN_LEN_RANGE, Refused(FirstPassword, "Sh0rt!").RV);
            Assert.Equal(CKR.CKR_PIN_LEN_RANGE, Refused(FirstPassword, new string('x', 20) + "-Much-Too-Long-2024!").RV);
            Assert.Equal(CKR.CKR_PIN_INVALID, Refused(FirstPassword, "onlylowercaseletters").RV);
            using var readOnly = module.Slot.OpenSession(SessionType.ReadOnly);
            Assert.Equal(CKR.CKR_SESSION_READ_ONLY, Assert.Throws<Pkcs11Exception>(() => readOnly.SetPin(FirstPassword, SecondPassword)).RV);
        }
        Assert.Equal(CKR.CKR_OK, LoginResult($"{name}:{FirstPassword}"));
    }

    [Fact]
    public async Task InitPinLetsTheSoSetACryptoUsersPassword()
    {
        var name = await NewUserAsync("initpin");
        var officer = $"admin:{TestPartition.CoPassword}";
        using (var session = module.Slot.OpenSession(SessionType.ReadWrite))
        {
            Assert.Equal(CKR.CKR_USER_NOT_LOGGED_IN, Assert.Throws<Pkcs11Exception>(() => session.InitPin($"{name}:{SecondPassword}")).RV);
            session.Login(CKU.CKU_USER, $"{name}:{FirstPassword}");
            // A CU is not the SO.
            Assert.Equal(CKR.CKR_USER_NOT_LOGGED_IN, Assert.Throws<Pkcs11Exception>(() => session.InitPin($"{name}:{SecondPassword}")).RV);
        }
        using (var session = module.Slot.OpenSession(SessionType.ReadWrite))
        {
            session.Login(CKU.CKU_SO, officer);
            Assert.Equal(CKR.CKR_PIN_INVALID, Assert.Throws<Pkcs11Exception>(() => session.InitPin("nosuchuser:" + SecondPassword)).RV);
            Assert.Equal(CKR.CKR_PIN_INVALID, Assert.Throws<Pkcs11Exception>(() => session.InitPin(SecondPassword)).RV);
            Assert.Equal(CKR.CKR_PIN_LEN_RANGE, Assert.Throws<Pkcs11Exception>(() => session.InitPin($"{name}:Sh0rt!")).RV);
            session.InitPin($"{name}:{SecondPassword}");
        }
        Assert.Equal(CKR.CKR_PIN_INCORRECT, LoginResult($"{name}:{FirstPassword}"));
        Assert.Equal(CKR.CKR_OK, LoginResult($"{name}:{SecondPassword}"));
    }
}
