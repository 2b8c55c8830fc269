namespace CloudHsm.Pkcs11.Transport;

/// <summary>Logs the application in again when a node answers that it does not know the login's token.</summary>
internal interface ILoginRenewal
{
    /// <summary>
    /// Replaces <paramref name="rejectedToken"/> with the token of a fresh login (unless another thread
    /// already did). False when the application is no longer logged in or the node refused the login;
    /// a node that cannot be reached throws, as any call.
    /// </summary>
    bool Renew(string rejectedToken);
}
