using System.Text;
using System.Text.RegularExpressions;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>The module's log file (client.json "pkcs11" section, debug level in the fixture).</summary>
[Collection(ModuleCollection.Name)]
public sealed partial class LogTests(ModuleFixture module)
{
    [Fact]
    public void TheLogHasTheEventsAndNeitherPinsNorPasswordsNorTokens()
    {
        const string wrongPassword = "Not-The-Password-77!";
        using (var refused = module.Slot.OpenSession(SessionType.ReadOnly))
        {
            var e = Assert.Throws<Pkcs11Exception>(() => refused.Login(CKU.CKU_USER, $"{ModuleFixture.User}x:{wrongPassword}"));
            Assert.Equal(CKR.CKR_PIN_INCORRECT, e.RV);
        }
        using (var session = module.UserSession())
        {
            var e = Assert.Throws<Pkcs11Exception>(() => session.Sign(module.Mechanism(CKM.CKM_ECDSA_SHA256), module.Factories.ObjectHandleFactory.Create(0xdead), Encoding.UTF8.GetBytes("data")));
            Assert.Equal(CKR.CKR_KEY_HANDLE_INVALID, e.RV);
            session.GenerateRandom(16);
        }

        var log = File.ReadAllText(module.LogPath);
        Assert.Contains(" INFO C_Initialize: libcloudhsm_pkcs11 ", log, StringComparison.Ordinal);
        Assert.Contains($" INFO C_Login: Cu '{ModuleFixture.User}' logged in", log, StringComparison.Ordinal);
        Assert.Contains($" WARN C_Login: Cu '{ModuleFixture.User}x' refused: RET_", log, StringComparison.Ordinal);
        Assert.Contains(" DEBUG C_Login returned CKR_PIN_INCORRECT", log, StringComparison.Ordinal);
        Assert.Contains(" DEBUG C_SignInit returned CKR_KEY_HANDLE_INVALID", log, StringComparison.Ordinal);
        Assert.Contains($" INFO logout: '{ModuleFixture.User}'", log, StringComparison.Ordinal);
        Assert.All(log.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.Matches(LinePattern(), line));

        Assert.DoesNotContain(ModuleFixture.Password, log, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongPassword, log, StringComparison.Ordinal);
        Assert.DoesNotContain("Wonder", log, StringComparison.Ordinal);
        // A bearer token is 32 random bytes in base64 (44 characters); nothing of that shape is logged.
        Assert.DoesNotMatch(TokenPattern(), log);
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z pid=\d+ tid=\d+ (ERROR|WARN|INFO|DEBUG) \S")]
    private static partial Regex LinePattern();

    [GeneratedRegex(@"[A-Za-z0-9+/]{40,}={0,2}")]
    private static partial Regex TokenPattern();
}
