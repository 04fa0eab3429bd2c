// The PL011 UART (PrimeCell UART PL011 TRM, DDI 0183G, chapter 3): programs it the way
// bare-metal code does (disable, clear interrupts, 115200 8N1 with FIFOs from a 48 MHz
// clock, enable TX and RX), transmits a line polling FR.TXFF, and checks the flag, control
// and interrupt registers. UART0 is at 0xfe201000 on bramble's rpi4b board; the QEMU build
// uses virt's PL011 at 0x09000000.
#include "rt.h"

#ifdef QEMU_VIRT
#define UART0 0x09000000ull
#else
#define UART0 0xfe201000ull
#endif
#define REG(off) (*(volatile u32 *)(UART0 + (off)))

#define UARTDR 0x000    // data
#define UARTFR 0x018    // flags (RO)
#define UARTIBRD 0x024  // integer baud rate divisor
#define UARTFBRD 0x028  // fractional baud rate divisor
#define UARTLCR_H 0x02c // line control
#define UARTCR 0x030    // control
#define UARTIMSC 0x038  // interrupt mask set/clear
#define UARTRIS 0x03c   // raw interrupt status (RO)
#define UARTMIS 0x040   // masked interrupt status (RO)
#define UARTICR 0x044   // interrupt clear (WO)

#define FR_BUSY (1u << 3)
#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)
#define FR_TXFE (1u << 7)
#define LCR_H_FEN (1u << 4)
#define LCR_H_WLEN8 (3u << 5)
#define CR_UARTEN (1u << 0)
#define CR_TXE (1u << 8)
#define CR_RXE (1u << 9)
#define INT_TX (1u << 5)
#define INT_ALL 0x7ffu

// Polls a flag with a bound, so a model that never sets it fails a check instead of hanging.
static int wait_flag(u32 mask, u32 want) {
    for (int i = 0; i < 1000000; i++)
        if ((REG(UARTFR) & mask) == want) return 1;
    return 0;
}

static void uart_puts(const char *s) {
    for (; *s; s++) {
        while (REG(UARTFR) & FR_TXFF) {
        }
        REG(UARTDR) = (u8)*s;
    }
}

int main(void) {
    // Set-up, as the PL011 TRM (3.3.8, UARTCR) says: disable, wait for the end of the
    // current character, program, enable.
    REG(UARTCR) = 0;
    CHECK(wait_flag(FR_BUSY, 0), "FR.BUSY clears after disabling");
    REG(UARTIMSC) = 0;
    REG(UARTICR) = INT_ALL;
    REG(UARTIBRD) = 26;  // 48 MHz / (16 * 115200) = 26.04
    REG(UARTFBRD) = 3;   // 0.04 * 64 + 0.5
    REG(UARTLCR_H) = LCR_H_WLEN8 | LCR_H_FEN;
    REG(UARTCR) = CR_UARTEN | CR_TXE | CR_RXE;
    CHECK_EQ(REG(UARTIBRD), 26, "IBRD reads back");
    CHECK_EQ(REG(UARTFBRD), 3, "FBRD reads back");
    CHECK_EQ(REG(UARTLCR_H), LCR_H_WLEN8 | LCR_H_FEN, "LCR_H reads back");
    CHECK_EQ(REG(UARTCR) & (CR_UARTEN | CR_TXE | CR_RXE), CR_UARTEN | CR_TXE | CR_RXE, "CR reads back");
    CHECK_EQ(REG(UARTFR) & (FR_TXFF | FR_RXFE), FR_RXFE, "FR: room to transmit, nothing received");

    uart_puts("uart: hello from bramble through the PL011\n");
    CHECK(wait_flag(FR_TXFE | FR_BUSY, FR_TXFE), "transmit FIFO drains");
    CHECK(REG(UARTFR) & FR_RXFE, "receive FIFO still empty");

    // The transmit interrupt: raised as the FIFO drains, masked by IMSC, cleared by ICR.
    REG(UARTIMSC) = INT_TX;
    uart_puts("uart: transmit interrupt\n");
    CHECK(wait_flag(FR_TXFE | FR_BUSY, FR_TXFE), "transmit FIFO drains again");
    CHECK_EQ(REG(UARTRIS) & INT_TX, INT_TX, "RIS shows the transmit interrupt");
    CHECK_EQ(REG(UARTMIS), INT_TX, "MIS shows only the unmasked transmit interrupt");
    REG(UARTICR) = INT_TX;
    CHECK_EQ(REG(UARTMIS), 0, "ICR clears it");
    REG(UARTIMSC) = 0;
    CHECK_EQ(REG(UARTIMSC), 0, "IMSC reads back");
    return 0;
}
