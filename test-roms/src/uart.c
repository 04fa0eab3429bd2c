// The PL011 at the rpi4b address: transmit with polling, flag and identification
// registers. (bramble only: QEMU's virt board puts its UART elsewhere.)
#include "rt.h"

#define UART0 0xfe201000ull
#define REG(off) (*(volatile u32 *)(UART0 + (off)))
#define DR 0x000
#define FR 0x018
#define CR 0x030
#define FR_TXFF (1u << 5)
#define FR_TXFE (1u << 7)
#define FR_RXFE (1u << 4)

static void uart_puts(const char *s) {
    for (; *s; s++) {
        while (REG(FR) & FR_TXFF) {
        }
        REG(DR) = (u32)*s;
    }
}

int main(void) {
    CHECK_EQ(REG(CR) & 1, 1, "UART enabled at reset (as the Pi firmware leaves it)");
    uart_puts("uart: hello through the PL011\n");
    CHECK(REG(FR) & FR_TXFE, "transmit FIFO empty after sending");
    CHECK(REG(FR) & FR_RXFE, "receive FIFO empty with no input");
    // The Pi 4 decodes only 0x200 bytes per UART, so the PrimeCell ID registers at 0xfe0
    // are out of reach (the device tree carries arm,primecell-periphid instead): the
    // window's other registers must read back what was written.
    REG(0x024) = 26;  // IBRD: 48 MHz / (16 * 115200)
    REG(0x028) = 3;   // FBRD
    CHECK_EQ(REG(0x024), 26, "IBRD reads back");
    CHECK_EQ(REG(0x028), 3, "FBRD reads back");
    REG(0x038) = 1u << 5;  // IMSC: transmit interrupt
    CHECK_EQ(REG(0x040) & (1u << 5), 1u << 5, "MIS shows the transmit interrupt");
    REG(0x044) = 0x7ff;    // ICR
    CHECK_EQ(REG(0x040), 0, "ICR clears it");
    return 0;
}
