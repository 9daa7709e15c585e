/* bcryptprimitives.dll for Debian 12's Wine 8, used only by scripts/ci/packages.sh to run the Windows binary.
 * Go >= 1.22 takes its randomness from ProcessPrng in bcryptprimitives.dll (runtime.loadOptionalSyscalls) and
 * aborts at start without it; Wine gained that DLL after 8.0. This one exports ProcessPrng on top of
 * RtlGenRandom (advapi32's SystemFunction036, which Wine 8 has), the documented contract: fill the buffer,
 * always succeed. Built with Debian's mingw-w64 and dropped into the throwaway prefix's system32. */
#include <windows.h>
#define SystemFunction036 NTAPI SystemFunction036
#include <ntsecapi.h>
#undef SystemFunction036

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!RtlGenRandom(data, n)) {
            return FALSE;
        }
        data += n;
        len -= n;
    }
    return TRUE;
}
