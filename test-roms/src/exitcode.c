// Exits with 42 on purpose, so a test can see the guest's semihosting exit code
// (SYS_EXIT_EXTENDED subcode) become the emulator's exit status.
#include "rt.h"

int main(void) {
    rt_puts("exiting with 42\n");
    return 42;
}
