using Net.Pkcs11Interop.Common;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>PKCS#11 3.0 mechanism numbers that Pkcs11Interop 5 (a 2.40 library) does not name.</summary>
internal static class Ec
{
    public const CKM EdwardsKeyPairGen = (CKM)0x1055;
    public const CKM EdDsa = (CKM)0x1057;
}
