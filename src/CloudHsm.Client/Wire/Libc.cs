using System.Runtime.InteropServices;

namespace CloudHsm.Client.Wire;

/// <summary>
/// The few libc calls the wire transport needs around fork(). A NativeAOT host should link them
/// directly (DirectPInvoke "libc"); otherwise "libc" is resolved at first use, as libc.so.6 (glibc's
/// soname: the bare name libc.so is a linker script or absent) and else by the runtime's own probing.
/// </summary>
internal static class Libc
{
    static Libc()
    {
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(Libc).Assembly, static (name, _, _) =>
                name == "libc" && NativeLibrary.TryLoad("libc.so.6", out var handle) ? handle : 0);
        }
        catch (InvalidOperationException)
        {
            // a resolver is already set for this assembly: the runtime's probing decides
        }
    }

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
