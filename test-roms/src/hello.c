// The smallest C test ROM: prints one line through semihosting SYS_WRITE0 and exits 0.
#include "rt.h"

int main(void) {
    rt_puts("hello from bramble\n");
    return 0;
}
