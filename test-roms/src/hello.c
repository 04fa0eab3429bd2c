// The smallest C test ROM: prints through semihosting and exits 0.
#include "rt.h"

int main(void) {
    rt_puts("hello from bramble\n");
    return 0;
}
