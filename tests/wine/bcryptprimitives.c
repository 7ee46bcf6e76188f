/* Test-only stand-in for Windows' bcryptprimitives.dll, which Rust's std imports for
 * ProcessPrng and Debian 12's wine 8 lacks. Placed beside a .exe run under wine; a real
 * Windows loads its own. RtlGenRandom (SystemFunction036) gives the same kind of bytes. */
#include <windows.h>
#include <ntsecapi.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!RtlGenRandom(data, chunk)) return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
