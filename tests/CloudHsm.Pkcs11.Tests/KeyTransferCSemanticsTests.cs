using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.LowLevelAPI80;
using Net.Pkcs11Interop.LowLevelAPI80.MechanismParams;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// C_WrapKey's length query and short buffer, AES-GCM's IV handed back, and the SP 800-108 KDF
/// structures, through Pkcs11Interop's low-level API on the loaded library.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed unsafe class KeyTransferCSemanticsTests(ModuleFixture module) : IDisposable
{
    private readonly Pkcs11Library _c = OpenLowLevel();

    private static Pkcs11Library OpenLowLevel()
    {
        var library = new Pkcs11Library(ModuleFixture.LibraryPath);
        Assert.Equal(CKR.CKR_CRYPTOKI_ALREADY_INITIALIZED, library.C_Initialize(new CK_C_INITIALIZE_ARGS { Flags = CKF.CKF_OS_LOCKING_OK }));
        return library;
    }

    public void Dispose() => _c.Dispose();

    private ulong OpenLoggedIn()
    {
        ulong session = 0;
        Assert.Equal(CKR.CKR_OK, _c.C_OpenSession(module.Slot.SlotId, CKF.CKF_SERIAL_SESSION | CKF.CKF_RW_SESSION, IntPtr.Zero, IntPtr.Zero, ref session));
        var pin = Encoding.UTF8.GetBytes(module.UserPin);
        Assert.Equal(CKR.CKR_OK, _c.C_Login(session, CKU.CKU_USER, pin, (ulong)pin.Length));
        return session;
    }

    private ulong SecretKey(ulong session, CKM mechanism, CKK type, ulong length, params CK_ATTRIBUTE[] extra)
    {
        var generate = CkmUtils.CreateMechanism(mechanism);
        CK_ATTRIBUTE[] template = [CkaUtils.CreateAttribute(CKA.CKA_VALUE_LEN, length), CkaUtils.CreateAttribute(CKA.CKA_KEY_TYPE, (ulong)type), .. extra];
        ulong key = 0;
        Assert.Equal(CKR.CKR_OK, _c.C_GenerateKey(session, ref generate, template, (ulong)template.Length, ref key));
        Free(template);
        return key;
    }

    private byte[] Value(ulong session, ulong key)
    {
        CK_ATTRIBUTE[] query = [CkaUtils.CreateAttribute(CKA.CKA_VALUE)];
        Assert.Equal(CKR.CKR_OK, _c.C_GetAttributeValue(session, key, query, 1));
        query[0].value = UnmanagedMemory.Allocate((int)query[0].valueLen);
        Assert.Equal(CKR.CKR_OK, _c.C_GetAttributeValue(session, key, query, 1));
        CkaUtils.ConvertValue(ref query[0], out byte[] value);
        Free(query);
        return value;
    }

    private static void Free(CK_ATTRIBUTE[] template)
    {
        for (var i = 0; i < template.Length; i++) UnmanagedMemory.Free(ref template[i].value);
    }

    private static CK_ATTRIBUTE[] Readable(CKK type) =>
    [
        CkaUtils.CreateAttribute(CKA.CKA_CLASS, (ulong)CKO.CKO_SECRET_KEY),
        CkaUtils.CreateAttribute(CKA.CKA_KEY_TYPE, (ulong)type),
        CkaUtils.CreateAttribute(CKA.CKA_SENSITIVE, false),
        CkaUtils.CreateAttribute(CKA.CKA_EXTRACTABLE, true),
    ];

    [Fact]
    public void WrapLengthQueryAndShortBufferReturnTheBytesOfOneWrap()
    {
        var session = OpenLoggedIn();
        try
        {
            var kek = SecretKey(session, CKM.CKM_AES_KEY_GEN, CKK.CKK_AES, 32, CkaUtils.CreateAttribute(CKA.CKA_WRAP, true), CkaUtils.CreateAttribute(CKA.CKA_UNWRAP, true));
            var key = SecretKey(session, CKM.CKM_AES_KEY_GEN, CKK.CKK_AES, 24, CkaUtils.CreateAttribute(CKA.CKA_SENSITIVE, false), CkaUtils.CreateAttribute(CKA.CKA_EXTRACTABLE, true));
            var other = SecretKey(session, CKM.CKM_AES_KEY_GEN, CKK.CKK_AES, 16, CkaUtils.CreateAttribute(CKA.CKA_SENSITIVE, false), CkaUtils.CreateAttribute(CKA.CKA_EXTRACTABLE, true));
            var mechanism = CkmUtils.CreateMechanism(CKM.CKM_AES_KEY_WRAP_PAD);

            ulong length = 0;
            Assert.Equal(CKR.CKR_OK, _c.C_WrapKey(session, ref mechanism, kek, key, null, ref length));
            Assert.Equal(32UL, length);
            var small = new byte[31];
            length = (ulong)small.Length;
            Assert.Equal(CKR.CKR_BUFFER_TOO_SMALL, _c.C_WrapKey(session, ref mechanism, kek, key, small, ref length));
            Assert.Equal(32UL, length);
            // A different key now: computed afresh, not the pending wrap of the first.
            var wrapped = new byte[64];
            length = (ulong)wrapped.Length;
            Assert.Equal(CKR.CKR_OK, _c.C_WrapKey(session, ref mechanism, kek, other, wrapped, ref length));
            Assert.Equal(24UL, length);
            Assert.Equal(Value(session, other), Unwrap(session, mechanism, kek, wrapped.AsSpan(0, (int)length).ToArray()));

            // The length asked is the length delivered, for the key asked about.
            length = 0;
            Assert.Equal(CKR.CKR_OK, _c.C_WrapKey(session, ref mechanism, kek, key, null, ref length));
            wrapped = new byte[length];
            Assert.Equal(CKR.CKR_OK, _c.C_WrapKey(session, ref mechanism, kek, key, wrapped, ref length));
            Assert.Equal(32UL, length);
            Assert.Equal(Value(session, key), Unwrap(session, mechanism, kek, wrapped));
            Assert.Equal(CKR.CKR_ARGUMENTS_BAD, _c.C_WrapKey(session, ref mechanism, kek, key, wrapped, ref *(ulong*)null));
        }
        finally
        {
            _c.C_CloseSession(session);
        }
    }

    private byte[] Unwrap(ulong session, CK_MECHANISM mechanism, ulong kek, byte[] wrapped)
    {
        var template = Readable(CKK.CKK_AES);
        ulong copy = 0;
        Assert.Equal(CKR.CKR_OK, _c.C_UnwrapKey(session, ref mechanism, kek, wrapped, (ulong)wrapped.Length, template, (ulong)template.Length, ref copy));
        Free(template);
        return Value(session, copy);
    }

    [Fact]
    public void GcmWrapHandsBackTheNodesIvAndUnwrapNeedsTheSameIvAndAad()
    {
        var session = OpenLoggedIn();
        var iv = UnmanagedMemory.Allocate(12);
        var aad = UnmanagedMemory.Allocate(6);
        try
        {
            var kek = SecretKey(session, CKM.CKM_AES_KEY_GEN, CKK.CKK_AES, 32, CkaUtils.CreateAttribute(CKA.CKA_WRAP, true), CkaUtils.CreateAttribute(CKA.CKA_UNWRAP, true));
            var key = SecretKey(session, CKM.CKM_GENERIC_SECRET_KEY_GEN, CKK.CKK_GENERIC_SECRET, 40,
                CkaUtils.CreateAttribute(CKA.CKA_SENSITIVE, false), CkaUtils.CreateAttribute(CKA.CKA_EXTRACTABLE, true));
            UnmanagedMemory.Write(iv, new byte[12]);
            UnmanagedMemory.Write(aad, "header"u8.ToArray());
            var mechanism = CkmUtils.CreateMechanism(CKM.CKM_AES_GCM, new CK_GCM_PARAMS { Iv = iv, IvLen = 12, IvBits = 96, AAD = aad, AADLen = 6, TagBits = 128 });

            ulong length = 0;
            Assert.Equal(CKR.CKR_OK, _c.C_WrapKey(session, ref mechanism, kek, key, null, ref length));
            Assert.Equal(12UL + 40 + 16, length);
            var wrapped = new byte[length];
            Assert.Equal(CKR.CKR_OK, _c.C_WrapKey(session, ref mechanism, kek, key, wrapped, ref length));
            var ivOut = UnmanagedMemory.Read(iv, 12);
            Assert.Equal(wrapped[..12], ivOut);
            Assert.NotEqual(new byte[12], ivOut);

            var template = Readable(CKK.CKK_GENERIC_SECRET);
            ulong copy = 0;
            Assert.Equal(CKR.CKR_OK, _c.C_UnwrapKey(session, ref mechanism, kek, wrapped, length, template, (ulong)template.Length, ref copy));
            Assert.Equal(Value(session, key), Value(session, copy));

            // Another IV is not this wrapped key's; other AAD does not authenticate.
            UnmanagedMemory.Write(iv, new byte[12]);
            Assert.Equal(CKR.CKR_MECHANISM_PARAM_INVALID, _c.C_UnwrapKey(session, ref mechanism, kek, wrapped, length, template, (ulong)template.Length, ref copy));
            UnmanagedMemory.Write(iv, wrapped[..12]);
            UnmanagedMemory.Write(aad, "HEADER"u8.ToArray());
            Assert.Equal(CKR.CKR_WRAPPED_KEY_INVALID, _c.C_UnwrapKey(session, ref mechanism, kek, wrapped, length, template, (ulong)template.Length, ref copy));
            Free(template);
            UnmanagedMemory.Free(ref mechanism.Parameter);
        }
        finally
        {
            UnmanagedMemory.Free(ref iv);
            UnmanagedMemory.Free(ref aad);
            _c.C_CloseSession(session);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PrfDataParam
    {
        public ulong Type;
        public IntPtr Value;
        public ulong ValueLen;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Sp800108Params
    {
        public ulong PrfType;
        public ulong NumberOfDataParams;
        public IntPtr DataParams;
        public ulong AdditionalDerivedKeys;
        public IntPtr AdditionalDerivedKeysPtr;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CounterFormat
    {
        public byte LittleEndian;
        public ulong WidthInBits;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct DkmLengthFormat
    {
        public ulong Method;
        public byte LittleEndian;
        public ulong WidthInBits;
    }

    /// <summary>Derives with CKM_SP800_108_COUNTER_KDF: [i]32 BE, the byte arrays, [L]32 BE over the key.</summary>
    private CKR DeriveCounterKdf(ulong session, ulong baseKey, CKM prf, byte[][] byteArrays, byte dkmLittleEndian, CK_ATTRIBUTE[] template, out ulong derived)
    {
        var counter = new CounterFormat { LittleEndian = 0, WidthInBits = 32 };
        var dkm = new DkmLengthFormat { Method = 1, LittleEndian = dkmLittleEndian, WidthInBits = 32 };
        var pinned = new List<GCHandle> { GCHandle.Alloc(counter, GCHandleType.Pinned), GCHandle.Alloc(dkm, GCHandleType.Pinned) };
        try
        {
            var data = new List<PrfDataParam> { new() { Type = 1, Value = pinned[0].AddrOfPinnedObject(), ValueLen = (ulong)sizeof(CounterFormat) } };
            foreach (var array in byteArrays)
            {
                var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
                pinned.Add(handle);
                data.Add(new PrfDataParam { Type = 4, Value = handle.AddrOfPinnedObject(), ValueLen = (ulong)array.Length });
            }
            data.Add(new PrfDataParam { Type = 3, Value = pinned[1].AddrOfPinnedObject(), ValueLen = (ulong)sizeof(DkmLengthFormat) });
            var dataArray = data.ToArray();
            var dataHandle = GCHandle.Alloc(dataArray, GCHandleType.Pinned);
            pinned.Add(dataHandle);
            var parameters = new Sp800108Params { PrfType = (ulong)prf, NumberOfDataParams = (ulong)dataArray.Length, DataParams = dataHandle.AddrOfPinnedObject() };
            var parametersHandle = GCHandle.Alloc(parameters, GCHandleType.Pinned);
            pinned.Add(parametersHandle);
            var mechanism = new CK_MECHANISM { Mechanism = 0x3AC, Parameter = parametersHandle.AddrOfPinnedObject(), ParameterLen = (ulong)sizeof(Sp800108Params) };
            derived = 0;
            return _c.C_DeriveKey(session, ref mechanism, baseKey, template, (ulong)template.Length, ref derived);
        }
        finally
        {
            foreach (var handle in pinned) handle.Free();
        }
    }

    [Fact]
    public void Sp800108CounterKdfComputesWhatNistAndDotNetCompute()
    {
        var session = OpenLoggedIn();
        try
        {
            var baseKey = SecretKey(session, CKM.CKM_GENERIC_SECRET_KEY_GEN, CKK.CKK_GENERIC_SECRET, 32, CkaUtils.CreateAttribute(CKA.CKA_DERIVE, true),
                CkaUtils.CreateAttribute(CKA.CKA_SENSITIVE, false), CkaUtils.CreateAttribute(CKA.CKA_EXTRACTABLE, true));
            var label = "key label"u8.ToArray();
            var context = "context of use"u8.ToArray();
            CK_ATTRIBUTE[] template = [.. Readable(CKK.CKK_GENERIC_SECRET), CkaUtils.CreateAttribute(CKA.CKA_VALUE_LEN, 48UL)];
            // Label || 0x00 || Context, given in two byte arrays.
            Assert.Equal(CKR.CKR_OK, DeriveCounterKdf(session, baseKey, CKM.CKM_SHA384_HMAC, [label, [0, .. context]], 0, template, out var derived));
            var expected = SP800108HmacCounterKdf.DeriveBytes(Value(session, baseKey), HashAlgorithmName.SHA384, label, context, 48);
            Assert.Equal(expected, Value(session, derived));

            // [L] little-endian is not what the node computes; nor is fixed data with no 0x00 between label and context.
            Assert.Equal(CKR.CKR_MECHANISM_PARAM_INVALID, DeriveCounterKdf(session, baseKey, CKM.CKM_SHA256_HMAC, [[.. label, 0, .. context]], 1, template, out _));
            Assert.Equal(CKR.CKR_MECHANISM_PARAM_INVALID, DeriveCounterKdf(session, baseKey, CKM.CKM_SHA256_HMAC, [label], 0, template, out _));
            Assert.Equal(CKR.CKR_MECHANISM_PARAM_INVALID, DeriveCounterKdf(session, baseKey, CKM.CKM_SHA_1_HMAC, [[.. label, 0]], 0, template, out _));
            // An AES key needs its length.
            CK_ATTRIBUTE[] aes = [CkaUtils.CreateAttribute(CKA.CKA_CLASS, (ulong)CKO.CKO_SECRET_KEY), CkaUtils.CreateAttribute(CKA.CKA_KEY_TYPE, (ulong)CKK.CKK_AES)];
            Assert.Equal(CKR.CKR_TEMPLATE_INCOMPLETE, DeriveCounterKdf(session, baseKey, CKM.CKM_SHA256_HMAC, [[.. label, 0]], 0, aes, out _));
            Free(template);
            Free(aes);
        }
        finally
        {
            _c.C_CloseSession(session);
        }
    }
}
