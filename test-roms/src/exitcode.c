// Exits with 42 so the test can see the guest's exit code become bramble's.
#include "rt.h"

int main(void) {
    rt_puts("exiting with 42\n");
    return 42;
}
