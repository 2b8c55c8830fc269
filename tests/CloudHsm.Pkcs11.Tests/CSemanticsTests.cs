using System.Text;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Net.Pkcs11Interop.LowLevelAPI80;
using Net.Pkcs11Interop.LowLevelAPI80.MechanismParams;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// The C-level rules clients depend on, through Pkcs11Interop's low-level API on the same loaded
/// library (C_Initialize there answers CKR_CRYPTOKI_ALREADY_INITIALIZED and shares the state).
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class CSemanticsTests(ModuleFixture module) : IDisposable
{
    private readonly Pkcs11Library _c = OpenLowLevel();

    private static Pkcs11Library OpenLowLevel()
    {
        var library = new Pkcs11Library(ModuleFixture.LibraryPath);
        var rv = library.C_Initialize(new CK_C_INITIALIZE_ARGS { Flags = CKF.CKF_OS_LOCKING_OK });
        Assert.Equal(CKR.CKR_CRYPTOKI_ALREADY_INITIALIZED, rv);
        return library;
    }

    public void Dispose() => _c.Dispose();

    private static readonly byte[] Data = Encoding.UTF8.GetBytes("length query, short buffer, error ends the operation");

    private ulong OpenLoggedIn()
    {
        ulong session = 0;
        Assert.Equal(CKR.CKR_OK, _c.C_OpenSession(module.Slot.SlotId, CKF.CKF_SERIAL_SESSION | CKF.CKF_RW_SESSION, IntPtr.Zero, IntPtr.Zero, ref session));
        var pin = Encoding.UTF8.GetBytes(module.UserPin);
        Assert.Equal(CKR.CKR_OK, _c.C_Login(session, CKU.CKU_USER, pin, (ulong)pin.Length));
        return session;
    }

    private ulong AesKey(ulong session)
    {
        var mechanism = CkmUtils.CreateMechanism(CKM.CKM_AES_KEY_GEN);
        CK_ATTRIBUTE[] template = [CkaUtils.CreateAttribute(CKA.CKA_VALUE_LEN, 32UL), CkaUtils.CreateAttribute(CKA.CKA_LABEL, "c-semantics")];
        ulong key = 0;
        Assert.Equal(CKR.CKR_OK, _c.C_GenerateKey(session, ref mechanism, template, (ulong)template.Length, ref key));
        return key;
    }

    private ulong EcPrivateKey(ulong session)
    {
        var mechanism = CkmUtils.CreateMechanism(CKM.CKM_EC_KEY_PAIR_GEN);
        CK_ATTRIBUTE[] publicTemplate = [CkaUtils.CreateAttribute(CKA.CKA_EC_PARAMS, new byte[] { 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07 })];
        CK_ATTRIBUTE[] privateTemplate = [CkaUtils.CreateAttribute(CKA.CKA_SIGN, true)];
        ulong publicKey = 0, privateKey = 0;
        Assert.Equal(CKR.CKR_OK, _c.C_GenerateKeyPair(session, ref mechanism, publicTemplate, 1, privateTemplate, 1, ref publicKey, ref privateKey));
        return privateKey;
    }

    [Fact]
    public void LengthQueryAndShortBufferKeepTheOperationAndReturnTheSameResult()
    {
        var session = OpenLoggedIn();
        try
        {
            var key = EcPrivateKey(session);
            var mechanism = CkmUtils.CreateMechanism(CKM.CKM_ECDSA_SHA256);
            Assert.Equal(CKR.CKR_OK, _c.C_SignInit(session, ref mechanism, key));
            ulong length = 0;
            Assert.Equal(CKR.CKR_OK, _c.C_Sign(session, Data, (ulong)Data.Length, null, ref length));
            Assert.Equal(64UL, length);
            var small = new byte[10];
            length = (ulong)small.Length;
            Assert.Equal(CKR.CKR_BUFFER_TOO_SMALL, _c.C_Sign(session, Data, (ulong)Data.Length, small, ref length));
            Assert.Equal(64UL, length);
            var signature = new byte[100];
            length = (ulong)signature.Length;
            Assert.Equal(CKR.CKR_OK, _c.C_Sign(session, Data, (ulong)Data.Length, signature, ref length));
            Assert.Equal(64UL, length);
            // Delivered: the operation is over.
            Assert.Equal(CKR.CKR_OPERATION_NOT_INITIALIZED, _c.C_Sign(session, Data, (ulong)Data.Length, signature, ref length));
            Assert.Equal(CKR.CKR_OK, _c.C_SignInit(session, ref mechanism, key));
            Assert.Equal(CKR.CKR_OPERATION_ACTIVE, _c.C_SignInit(session, ref mechanism, key));
        }
        finally
        {
            _c.C_CloseSession(session);
        }
    }

    [Fact]
    public void AnErrorEndsTheOperation()
    {
        var session = OpenLoggedIn();
        try
        {
            var key = AesKey(session);
            var iv = UnmanagedMemory.Allocate(12);
            UnmanagedMemory.Write(iv, new byte[12]);
            var gcmParams = new CK_GCM_PARAMS { Iv = iv, IvLen = 12, IvBits = 96, AAD = IntPtr.Zero, AADLen = 0, TagBits = 128 };
            var mechanism = CkmUtils.CreateMechanism(CKM.CKM_AES_GCM, gcmParams);
            Assert.Equal(CKR.CKR_OK, _c.C_DecryptInit(session, ref mechanism, key));
            var garbage = new byte[40];
            var output = new byte[40];
            var length = (ulong)output.Length;
            Assert.Equal(CKR.CKR_ENCRYPTED_DATA_INVALID, _c.C_Decrypt(session, garbage, (ulong)garbage.Length, output, ref length));
            // Not CKR_OPERATION_ACTIVE: the failed decryption ended the operation.
            Assert.Equal(CKR.CKR_OK, _c.C_DecryptInit(session, ref mechanism, key));
            // Even a failed length query ends it: nothing was computed that a second call could fetch.
            Assert.Equal(CKR.CKR_ENCRYPTED_DATA_INVALID, _c.C_DecryptFinal(session, null, ref length));
            Assert.Equal(CKR.CKR_OPERATION_NOT_INITIALIZED, _c.C_DecryptFinal(session, null, ref length));
            UnmanagedMemory.Free(ref mechanism.Parameter);
            UnmanagedMemory.Free(ref iv);
        }
        finally
        {
            _c.C_CloseSession(session);
        }
    }

    [Fact]
    public void AttributesAnswerOneByOneWithUnavailableInformation()
    {
        var session = OpenLoggedIn();
        try
        {
            var key = AesKey(session);
            CK_ATTRIBUTE[] template =
            [
                CkaUtils.CreateAttribute(CKA.CKA_LABEL),            // NULL buffer: length query
                CkaUtils.CreateAttribute(CKA.CKA_VALUE),            // sensitive
                CkaUtils.CreateAttribute((CKA)0x7FFF_0001UL),       // no such attribute
                CkaUtils.CreateAttribute(CKA.CKA_VALUE_LEN, 0UL),   // fits
            ];
            var rv = _c.C_GetAttributeValue(session, key, template, (ulong)template.Length);
            Assert.True(rv is CKR.CKR_ATTRIBUTE_SENSITIVE or CKR.CKR_ATTRIBUTE_TYPE_INVALID, rv.ToString());
            Assert.Equal((ulong)"c-semantics".Length, template[0].valueLen);
            Assert.Equal(ulong.MaxValue, template[1].valueLen);
            Assert.Equal(ulong.MaxValue, template[2].valueLen);
            Assert.Equal(8UL, template[3].valueLen);
            CkaUtils.ConvertValue(ref template[3], out ulong valueLength);
            Assert.Equal(32UL, valueLength);
            for (var i = 0; i < template.Length; i++) UnmanagedMemory.Free(ref template[i].value);

            CK_ATTRIBUTE[] tooSmall = [CkaUtils.CreateAttribute(CKA.CKA_LABEL, new byte[3])];
            Assert.Equal(CKR.CKR_BUFFER_TOO_SMALL, _c.C_GetAttributeValue(session, key, tooSmall, 1));
            Assert.Equal(ulong.MaxValue, tooSmall[0].valueLen);
            UnmanagedMemory.Free(ref tooSmall[0].value);
        }
        finally
        {
            _c.C_CloseSession(session);
        }
    }

    [Fact]
    public void NullPointersAreArgumentsBadAndUnsupportedFunctionsSaySo()
    {
        var session = OpenLoggedIn();
        try
        {
            Assert.Equal(CKR.CKR_ARGUMENTS_BAD, _c.C_GenerateRandom(session, null, 16));
            var mechanism = CkmUtils.CreateMechanism(CKM.CKM_SHA256);
            Assert.Equal(CKR.CKR_OK, _c.C_DigestInit(session, ref mechanism));
            ulong ignored = 0;
            Assert.Equal(CKR.CKR_ARGUMENTS_BAD, _c.C_DigestUpdate(session, null, 5));
            // ... and that error ended the digest.
            Assert.Equal(CKR.CKR_OPERATION_NOT_INITIALIZED, _c.C_DigestFinal(session, null, ref ignored));
            Assert.Equal(CKR.CKR_FUNCTION_NOT_SUPPORTED, _c.C_GetOperationState(session, null, ref ignored));
            Assert.Equal(CKR.CKR_FUNCTION_NOT_SUPPORTED, _c.C_WaitForSlotEvent(0, ref ignored, IntPtr.Zero));
            Assert.Equal(CKR.CKR_RANDOM_SEED_NOT_SUPPORTED, _c.C_SeedRandom(session, new byte[4], 4));
            ulong other = 0;
            Assert.Equal(CKR.CKR_SESSION_PARALLEL_NOT_SUPPORTED, _c.C_OpenSession(module.Slot.SlotId, 0, IntPtr.Zero, IntPtr.Zero, ref other));
            Assert.Equal(CKR.CKR_SLOT_ID_INVALID, _c.C_OpenSession(module.Slot.SlotId + 7, CKF.CKF_SERIAL_SESSION, IntPtr.Zero, IntPtr.Zero, ref other));
        }
        finally
        {
            _c.C_CloseSession(session);
        }
    }
}
