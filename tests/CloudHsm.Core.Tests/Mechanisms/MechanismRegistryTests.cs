using CloudHsm.Core.Mechanisms;

namespace CloudHsm.Core.Tests.Mechanisms;

public class MechanismRegistryTests
{
    [Fact]
    public void All_ListsEveryImplementedIdExactlyOnce()
    {
        var all = MechanismRegistry.All.ToList();

        Assert.Equal(all.Count, all.Distinct().Count());
        foreach (var id in all)
        {
            var kinds = (MechanismRegistry.TryGetSignature(id, out var s) ? 1 : 0)
                + (MechanismRegistry.TryGetCipher(id, out var c) ? 1 : 0)
                + (MechanismRegistry.TryGetDigest(id, out var d) ? 1 : 0);
            // CKM_RSA_PKCS alone is both a signature (over a DigestInfo) and a cipher, as in PKCS#11.
            Assert.True(kinds == (id == MechanismId.RsaPkcs ? 2 : 1), $"{id} is registered under {kinds} kinds.");
            foreach (var registered in new[] { s?.Id, c?.Id, d?.Id }.Where(x => x is not null)) Assert.Equal(id, registered);
        }
    }

    [Fact]
    public void EveryEnumValueIsEitherImplementedOrKnownToBeMissing()
    {
        MechanismId[] notHere =
        [
            MechanismId.RsaPkcsKeyPairGen, MechanismId.GenericSecretKeyGen, MechanismId.EcKeyPairGen,
            MechanismId.EcEdwardsKeyPairGen, MechanismId.AesKeyGen, MechanismId.Ecdh1Derive,
            MechanismId.RsaAesKeyWrap, MechanismId.Sp800108CounterKdf, MechanismId.AesKeyWrapKwp, MechanismId.AesKeyWrapPkcs7, // key wrapping and derivation live in KeyWrapMechanisms and KeyDerivationService
        ];

        Assert.Equal(
            Enum.GetValues<MechanismId>().Except(notHere).Order(),
            MechanismRegistry.All);
    }

    [Fact]
    public void UnknownId_IsNotFound()
    {
        Assert.False(MechanismRegistry.TryGetSignature((MechanismId)0xFFFF, out _));
        Assert.False(MechanismRegistry.TryGetCipher(MechanismId.Sha256, out _));
        Assert.False(MechanismRegistry.TryGetDigest(MechanismId.AesGcm, out _));
    }

    [Theory]
    [InlineData(MechanismId.Sha1RsaPkcs, false, true)]
    [InlineData(MechanismId.Sha256RsaPkcs, true, true)]
    [InlineData(MechanismId.EcdsaSha256, true, true)]
    [InlineData(MechanismId.EdDsa, true, true)]
    public void SignatureApproval(MechanismId id, bool signApproved, bool verifyApproved)
    {
        Assert.True(MechanismRegistry.TryGetSignature(id, out var mechanism));
        Assert.Equal(signApproved, mechanism.Approved);
        Assert.Equal(verifyApproved, mechanism.VerifyApproved);
    }

    [Fact]
    public void OnlyRsaPkcs1v15Encryption_NeedsTheNonFipsSwitchAmongCiphers()
    {
        var unapproved = MechanismRegistry.All
            .Where(id => MechanismRegistry.TryGetCipher(id, out var c) && !c.Approved);

        Assert.Equal([MechanismId.RsaPkcs], unapproved);
    }
}
