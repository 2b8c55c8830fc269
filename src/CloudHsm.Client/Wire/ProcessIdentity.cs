using System.Runtime.InteropServices;

namespace CloudHsm.Client.Wire;

/// <summary>
/// The id of the process the caller runs in, read again after fork() (Environment.ProcessId is cached,
/// so a forked child would see its parent's). On Linux the id is kept in a page marked
/// MADV_WIPEONFORK: the kernel zeroes it in a child, so the check costs a memory read and Libc.getpid()
/// runs once per process. Where that is not available, Libc.getpid() runs on every check; where libc
/// cannot be called at all, fork goes unnoticed and the cached id is returned.
/// </summary>
public static class ProcessIdentity
{
    private const int PageBytes = 4096;
    private const int ProtReadWrite = 0x1 | 0x2;
    private const int MapPrivateAnonymous = 0x02 | 0x20;
    private const int MadvWipeOnFork = 18;

    private static readonly nint s_page = MapWipeOnForkPage();
    private static readonly bool s_hasGetPid = ProbeGetPid();

    /// <summary>The id of the calling process, correct in a child after fork().</summary>
    public static int Current()
    {
        if (s_page != 0)
        {
            var id = Marshal.ReadInt32(s_page);
            if (id != 0) return id;
            id = Libc.getpid();
            Marshal.WriteInt32(s_page, id);
            return id;
        }
        return s_hasGetPid ? Libc.getpid() : Environment.ProcessId;
    }

    private static nint MapWipeOnForkPage()
    {
        if (!OperatingSystem.IsLinux()) return 0;
        try
        {
            var page = Libc.mmap(0, PageBytes, ProtReadWrite, MapPrivateAnonymous, -1, 0);
            if (page == -1) return 0;
            if (Libc.madvise(page, PageBytes, MadvWipeOnFork) != 0)
            {
                Libc.munmap(page, PageBytes);
                return 0;
            }
            Marshal.WriteInt32(page, Libc.getpid());
            return page;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return 0;
        }
    }

    private static bool ProbeGetPid()
    {
        if (OperatingSystem.IsWindows()) return false;
        try
        {
            return Libc.getpid() > 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

}
