using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace CloudHsm.Pkcs11.Tests;

[Collection(ModuleCollection.Name)]
public sealed class TokenAndSessionTests(ModuleFixture module)
{
    [Fact]
    public void LibraryInfoNamesTheModuleAndVersion240()
    {
        var info = module.Library.GetInfo();
        Assert.Equal("2.40", info.CryptokiVersion);
        Assert.Equal("CloudHSM", info.ManufacturerId);
        Assert.Equal("CloudHSM PKCS#11 module", info.LibraryDescription);
    }

    [Fact]
    public void OneSlotHoldsThePartitionWithLabelAndSerialFromIt()
    {
        Assert.Single(module.Library.GetSlotList(SlotsType.WithOrWithoutTokenPresent));
        var slot = module.Slot.GetSlotInfo();
        Assert.True(slot.SlotFlags.TokenPresent);
        var token = module.Slot.GetTokenInfo();
        Assert.Matches("^[0-9A-F]{16}$", token.SerialNumber);
        Assert.Equal("cloudhsm-" + token.SerialNumber.ToLowerInvariant(), token.Label);
        Assert.True(token.TokenFlags.TokenInitialized);
        Assert.True(token.TokenFlags.LoginRequired);
        Assert.True(token.TokenFlags.UserPinInitialized);
        Assert.True(token.TokenFlags.Rng);
    }

    [Fact]
    public void TokenInfoCountsTheOpenSessions()
    {
        using var readOnly = module.Slot.OpenSession(SessionType.ReadOnly);
        using var readWrite = module.Slot.OpenSession(SessionType.ReadWrite);
        var token = module.Slot.GetTokenInfo();
        Assert.Equal(2UL, token.SessionCount);
        Assert.Equal(1UL, token.RwSessionCount);
    }

    [Fact]
    public void MechanismListHasWhatTheNodeDoesAndNothingElse()
    {
        var list = module.Slot.GetMechanismList();
        foreach (var expected in new[] { CKM.CKM_AES_GCM, CKM.CKM_AES_CBC_PAD, CKM.CKM_AES_KEY_GEN, CKM.CKM_RSA_PKCS_KEY_PAIR_GEN, CKM.CKM_SHA256_RSA_PKCS,
                     CKM.CKM_RSA_PKCS_OAEP, CKM.CKM_EC_KEY_PAIR_GEN, CKM.CKM_ECDSA, CKM.CKM_ECDSA_SHA256, Ec.EdwardsKeyPairGen, Ec.EdDsa,
                     CKM.CKM_SHA256, CKM.CKM_SHA256_HMAC, CKM.CKM_GENERIC_SECRET_KEY_GEN, CKM.CKM_AES_KEY_WRAP, CKM.CKM_AES_KEY_WRAP_PAD,
                     CKM.CKM_RSA_AES_KEY_WRAP, CKM.CKM_ECDH1_DERIVE })
        {
            Assert.Contains(expected, list);
        }
        // Non-approved (behind the node's non-FIPS switch) or not offered by the module yet.
        Assert.DoesNotContain(CKM.CKM_SHA_1, list);
        Assert.DoesNotContain(CKM.CKM_ECDH1_COFACTOR_DERIVE, list);

        var gcm = module.Slot.GetMechanismInfo(CKM.CKM_AES_GCM);
        Assert.True(gcm.MechanismFlags.Encrypt && gcm.MechanismFlags.Decrypt && !gcm.MechanismFlags.Sign);
        Assert.Equal((16UL, 32UL), (gcm.MinKeySize, gcm.MaxKeySize));
        var ec = module.Slot.GetMechanismInfo(CKM.CKM_EC_KEY_PAIR_GEN);
        Assert.True(ec.MechanismFlags.GenerateKeyPair && ec.MechanismFlags.EcFp && ec.MechanismFlags.EcNamedCurve && ec.MechanismFlags.EcUncompress);
        Assert.Equal((256UL, 521UL), (ec.MinKeySize, ec.MaxKeySize));
        var rsa = module.Slot.GetMechanismInfo(CKM.CKM_RSA_PKCS_KEY_PAIR_GEN);
        Assert.Equal((2048UL, 4096UL), (rsa.MinKeySize, rsa.MaxKeySize));

        var e = Assert.Throws<Pkcs11Exception>(() => module.Slot.GetMechanismInfo(CKM.CKM_DES3_CBC));
        Assert.Equal(CKR.CKR_MECHANISM_INVALID, e.RV);
    }

    [Fact]
    public void SessionStatesFollowTheApplicationLogin()
    {
        using var readOnly = module.Slot.OpenSession(SessionType.ReadOnly);
        using var readWrite = module.Slot.OpenSession(SessionType.ReadWrite);
        Assert.Equal(CKS.CKS_RO_PUBLIC_SESSION, readOnly.GetSessionInfo().State);
        Assert.Equal(CKS.CKS_RW_PUBLIC_SESSION, readWrite.GetSessionInfo().State);
        Assert.True(readWrite.GetSessionInfo().SessionFlags.RwSession);

        readOnly.Login(CKU.CKU_USER, module.UserPin);
        // One login for the whole application: the other session is logged in too.
        Assert.Equal(CKS.CKS_RO_USER_FUNCTIONS, readOnly.GetSessionInfo().State);
        Assert.Equal(CKS.CKS_RW_USER_FUNCTIONS, readWrite.GetSessionInfo().State);
        var again = Assert.Throws<Pkcs11Exception>(() => readWrite.Login(CKU.CKU_USER, module.UserPin));
        Assert.Equal(CKR.CKR_USER_ALREADY_LOGGED_IN, again.RV);
        var other = Assert.Throws<Pkcs11Exception>(() => readWrite.Login(CKU.CKU_SO, "admin:whatever"));
        Assert.Equal(CKR.CKR_USER_ANOTHER_ALREADY_LOGGED_IN, other.RV);

        readWrite.Logout();
        Assert.Equal(CKS.CKS_RO_PUBLIC_SESSION, readOnly.GetSessionInfo().State);
        var notIn = Assert.Throws<Pkcs11Exception>(() => readOnly.Logout());
        Assert.Equal(CKR.CKR_USER_NOT_LOGGED_IN, notIn.RV);
    }

    [Fact]
    public void ClosingTheLastSessionLogsTheApplicationOut()
    {
        using (var first = module.Slot.OpenSession(SessionType.ReadWrite))
        {
            first.Login(CKU.CKU_USER, module.UserPin);
            using (var second = module.Slot.OpenSession(SessionType.ReadOnly))
            {
                Assert.Equal(CKS.CKS_RO_USER_FUNCTIONS, second.GetSessionInfo().State);
            }
            // Another session is still open: still logged in.
            Assert.Equal(CKS.CKS_RW_USER_FUNCTIONS, first.GetSessionInfo().State);
        }
        using var later = module.Slot.OpenSession(SessionType.ReadWrite);
        Assert.Equal(CKS.CKS_RW_PUBLIC_SESSION, later.GetSessionInfo().State);
    }

    [Fact]
    public void WrongPinIsPinIncorrectAndFiveLockTheUser()
    {
        using var session = module.Slot.OpenSession(SessionType.ReadWrite);
        Assert.Equal(CKR.CKR_PIN_INCORRECT, Assert.Throws<Pkcs11Exception>(() => session.Login(CKU.CKU_USER, $"{ModuleFixture.User}:Not-The-Password-1")).RV);
        Assert.Equal(CKR.CKR_PIN_INCORRECT, Assert.Throws<Pkcs11Exception>(() => session.Login(CKU.CKU_USER, "no colon in this pin")).RV);
        Assert.Equal(CKS.CKS_RW_PUBLIC_SESSION, session.GetSessionInfo().State);

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(CKR.CKR_PIN_INCORRECT, Assert.Throws<Pkcs11Exception>(() => session.Login(CKU.CKU_USER, $"{ModuleFixture.LockoutUser}:Wrong-Password-{i}x")).RV);
        }
        Assert.Equal(CKR.CKR_PIN_LOCKED, Assert.Throws<Pkcs11Exception>(() => session.Login(CKU.CKU_USER, $"{ModuleFixture.LockoutUser}:{ModuleFixture.Password}")).RV);
    }

    [Fact]
    public void AClosedSessionHandleIsInvalid()
    {
        using var session = module.Slot.OpenSession(SessionType.ReadOnly);
        session.CloseSession();
        Assert.Equal(CKR.CKR_SESSION_HANDLE_INVALID, Assert.Throws<Pkcs11Exception>(() => session.GetSessionInfo()).RV);
    }
}
