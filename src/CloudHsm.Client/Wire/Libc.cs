using System.Runtime.InteropServices;

namespace CloudHsm.Client.Wire;

/// <summary>
/// The few libc calls the wire transport needs around fork(). A NativeAOT host that links libc
/// directly (DirectPInvoke "libc") calls them without any library loading.
/// </summary>
internal static class Libc
{
#pragma warning disable SYSLIB1054 // DllImport keeps this assembly free of unsafe code; all signatures are blittable.
    [DllImport("libc", EntryPoint = "getpid")]
    public static extern int getpid();

    [DllImport("libc", EntryPoint = "close")]
    public static extern int close(int fd);

    [DllImport("libc", EntryPoint = "mmap")]
    public static extern nint mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [DllImport("libc", EntryPoint = "madvise")]
    public static extern int madvise(nint address, nuint length, int advice);

    [DllImport("libc", EntryPoint = "munmap")]
    public static extern int munmap(nint address, nuint length);
#pragma warning restore SYSLIB1054
}
