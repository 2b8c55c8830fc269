using System.Runtime.InteropServices;
using System.Text;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// The PKCS#11 3.0 entry points (Pkcs11Interop 5 predates them): C_GetInterfaceList and
/// C_GetInterface called through the library's exports, and the 3.0 function list through its pointers.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed unsafe class InterfaceTests(ModuleFixture module)
{
    private const ulong Ok = 0, ArgumentsBad = 7, FunctionNotSupported = 0x54, BufferTooSmall = 0x150, OperationNotInitialized = 0x91;

    [StructLayout(LayoutKind.Sequential)]
    private struct Interface
    {
        public byte* Name;
        public nint* FunctionList;
        public ulong Flags;
    }

    private static nint Export(string name) => NativeLibrary.GetExport(NativeLibrary.Load(ModuleFixture.LibraryPath), name);

    private static (byte Major, byte Minor) Version(nint* list) => (((byte*)list)[0], ((byte*)list)[1]);

    /// <summary>The function pointer at position <paramref name="index"/> of a list (after its padded CK_VERSION).</summary>
    private static nint Function(nint* list, int index) => list[1 + index];

    [Fact]
    public void InterfaceListOffersPkcs11ThreeZeroFirstAndTwoFortyWithTheFunctionListOfCGetFunctionList()
    {
        _ = module.Slot;
        var getList = (delegate* unmanaged<Interface*, ulong*, ulong>)Export("C_GetInterfaceList");
        ulong count = 0;
        Assert.Equal(Ok, getList(null, &count));
        Assert.Equal(2UL, count);
        var interfaces = stackalloc Interface[2];
        ulong small = 1;
        Assert.Equal(BufferTooSmall, getList(interfaces, &small));
        Assert.Equal(2UL, small);
        Assert.Equal(ArgumentsBad, getList(interfaces, null));
        Assert.Equal(Ok, getList(interfaces, &count));

        Assert.Equal("PKCS 11", Marshal.PtrToStringUTF8((nint)interfaces[0].Name));
        Assert.Equal("PKCS 11", Marshal.PtrToStringUTF8((nint)interfaces[1].Name));
        Assert.Equal(((byte)3, (byte)0), Version(interfaces[0].FunctionList));
        Assert.Equal(((byte)2, (byte)40), Version(interfaces[1].FunctionList));
        Assert.Equal(0UL, interfaces[0].Flags | interfaces[1].Flags);

        nint* v2;
        var getFunctionList = (delegate* unmanaged<nint**, ulong>)Export("C_GetFunctionList");
        Assert.Equal(Ok, getFunctionList(&v2));
        Assert.True(v2 == interfaces[1].FunctionList);
        // The 3.0 list starts with the 2.40 functions (C_Initialize, C_SignInit...), C_GetInfo apart, then 3.0's own.
        Assert.Equal(Function(v2, 0), Function(interfaces[0].FunctionList, 0));
        Assert.Equal(Function(v2, 42), Function(interfaces[0].FunctionList, 42));
        Assert.Equal(Export("C_GetInterfaceList"), Function(interfaces[0].FunctionList, 68));
        Assert.Equal(Export("C_GetInterface"), Function(interfaces[0].FunctionList, 69));
        Assert.Equal(Export("C_MessageVerifyFinal"), Function(interfaces[0].FunctionList, 91));
    }

    [Fact]
    public void GetInterfaceMatchesNameVersionAndFlags()
    {
        var get = (delegate* unmanaged<byte*, byte*, Interface**, ulong, ulong>)Export("C_GetInterface");
        Interface* found;
        Assert.Equal(Ok, get(null, null, &found, 0));
        Assert.Equal(((byte)3, (byte)0), Version(found->FunctionList));
        var name = "PKCS 11\0"u8;
        fixed (byte* pName = name)
        {
            byte* v240 = stackalloc byte[] { 2, 40 };
            Assert.Equal(Ok, get(pName, v240, &found, 0));
            Assert.Equal(((byte)2, (byte)40), Version(found->FunctionList));
            byte* v99 = stackalloc byte[] { 9, 9 };
            Assert.Equal(ArgumentsBad, get(pName, v99, &found, 0));
            // CKF_INTERFACE_FORK_SAFE is not claimed.
            Assert.Equal(ArgumentsBad, get(pName, null, &found, 1));
            Assert.Equal(ArgumentsBad, get(pName, null, null, 0));
        }
        var other = "PKCS 11 Vendor\0"u8;
        fixed (byte* pOther = other) Assert.Equal(ArgumentsBad, get(pOther, null, &found, 0));
    }

    [Fact]
    public void ThreeZeroFunctionsWorkThroughTheThreeZeroList()
    {
        Interface* found;
        Assert.Equal(Ok, ((delegate* unmanaged<byte*, byte*, Interface**, ulong, ulong>)Export("C_GetInterface"))(null, null, &found, 0));
        var list = found->FunctionList;

        // C_GetInfo of the 3.0 list says 3.0 (the exported one, of the 2.40 list, says 2.40).
        var info = stackalloc byte[256];
        Assert.Equal(Ok, ((delegate* unmanaged<byte*, ulong>)Function(list, 2))(info));
        Assert.Equal(((byte)3, (byte)0), (info[0], info[1]));

        ulong session;
        Assert.Equal(Ok, ((delegate* unmanaged<ulong, ulong, void*, void*, ulong*, ulong>)Function(list, 12))(module.Slot.SlotId, 6, null, null, &session));
        try
        {
            // C_LoginUser: the name apart from the password.
            var user = Encoding.UTF8.GetBytes(ModuleFixture.User);
            var password = Encoding.UTF8.GetBytes(ModuleFixture.Password);
            var loginUser = (delegate* unmanaged<ulong, ulong, byte*, ulong, byte*, ulong, ulong>)Function(list, 70);
            fixed (byte* pUser = user)
            fixed (byte* pPassword = password)
            {
                Assert.Equal(0xA0UL, loginUser(session, 1, pPassword, 3, pUser, (ulong)user.Length)); // CKR_PIN_INCORRECT
                Assert.Equal(Ok, loginUser(session, 1, pPassword, (ulong)password.Length, pUser, (ulong)user.Length));
            }

            // C_SessionCancel ends an active digest; C_DigestInit may start another.
            ulong sha256Mechanism = 0x250;
            var mechanism = stackalloc ulong[] { sha256Mechanism, 0, 0 };
            var digestInit = (delegate* unmanaged<ulong, ulong*, ulong>)Function(list, 37);
            var digestFinal = (delegate* unmanaged<ulong, byte*, ulong*, ulong>)Function(list, 41);
            Assert.Equal(Ok, digestInit(session, mechanism));
            Assert.Equal(Ok, ((delegate* unmanaged<ulong, ulong, ulong>)Function(list, 71))(session, 0x400)); // CKF_DIGEST
            ulong length = 0;
            Assert.Equal(OperationNotInitialized, digestFinal(session, null, &length));
            Assert.Equal(Ok, digestInit(session, mechanism));

            // The message-based functions are not offered.
            Assert.Equal(FunctionNotSupported, ((delegate* unmanaged<ulong, ulong*, ulong, ulong>)Function(list, 72))(session, mechanism, 1));
            Assert.Equal(FunctionNotSupported, ((delegate* unmanaged<ulong, ulong>)Function(list, 91))(session));
        }
        finally
        {
            ((delegate* unmanaged<ulong, ulong>)Function(list, 13))(session);
        }
    }
}
