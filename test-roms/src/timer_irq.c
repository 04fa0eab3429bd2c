// The generic timer firing through the GIC-400 at the programmed count, WFI wake-up, an
// SGI round trip and priority masking. IRQs are routed to EL3 (SCR_EL3.IRQ).
#include "rt.h"

#ifdef QEMU_VIRT
#define GICD 0x08000000ull
#define GICC 0x08010000ull
#else
#define GICD 0xff841000ull
#define GICC 0xff842000ull
#endif
#define D(off) (*(volatile u32 *)(GICD + (off)))
#define C(off) (*(volatile u32 *)(GICC + (off)))
#define TIMER_PPI 30
#define TICKS 5400  // 100 us at 54 MHz

static volatile int timer_irqs, sgi_irqs, late;
static volatile u64 fired_at[3], programmed[3];
static volatile u32 last_iar;

static u64 cntpct(void) {
    u64 v;
    __asm__ volatile("isb\n\tmrs %0, cntpct_el0" : "=r"(v));
    return v;
}

static void arm_timer(u64 cval) {
    __asm__ volatile("msr cntp_cval_el0, %0\n\tmsr cntp_ctl_el0, %1\n\tisb" ::"r"(cval), "r"(1ull));
}

static void irq(void) {
    u32 iar = C(0x0c);
    last_iar = iar;
    u32 id = iar & 0x3ff;
    if (id == TIMER_PPI) {
        int n = timer_irqs;
        fired_at[n] = cntpct();
        if (n + 1 < 3) {
            programmed[n + 1] = fired_at[n] + TICKS;
            arm_timer(programmed[n + 1]);
        } else {
            __asm__ volatile("msr cntp_ctl_el0, xzr\n\tisb");
        }
        timer_irqs = n + 1;
    } else if (id < 16) {
        sgi_irqs++;
    } else if (id != 1023) {
        late = id;
    }
    if (id != 1023) C(0x10) = iar;  // EOIR
}

int main(void) {
    u64 scr;
    __asm__ volatile("mrs %0, scr_el3" : "=r"(scr));
    __asm__ volatile("msr scr_el3, %0\n\tisb" ::"r"(scr | 2));  // IRQs to EL3
    rt_irq_handler = irq;

#ifndef QEMU_VIRT
    CHECK_EQ(D(0x004) & 0x1f, 7, "GICD_TYPER: 256 interrupt IDs, as the BCM2711's GIC-400");
#endif
    D(0x000) = 1;                                   // distributor: forward group 0
    D(0x400 + TIMER_PPI) = 0;                       // priority word of 28..31: clear
    *(volatile unsigned char *)(GICD + 0x400 + TIMER_PPI) = 0x80;
    D(0x100) = (1u << TIMER_PPI) | (1u << 3);       // enable the timer PPI (SGIs are always on)
    C(0x04) = 0xff;                                 // PMR: let everything through
    C(0x00) = 1;                                    // CPU interface on

    // Timer: three interrupts, each TICKS after the previous, waited for in WFI.
    programmed[0] = cntpct() + TICKS;
    arm_timer(programmed[0]);
    __asm__ volatile("msr daifclr, #2");
    u64 spins = 0;
    while (timer_irqs < 3 && spins < 1000000) {
        __asm__ volatile("wfi");
        spins++;
    }
    __asm__ volatile("msr daifset, #2");
    CHECK_EQ(timer_irqs, 3, "three timer interrupts");
    CHECK(spins < 100, "WFI waits instead of returning at once");
    for (int i = 0; i < 3; i++) {
        CHECK(fired_at[i] >= programmed[i], "timer fires no earlier than CVAL");
        CHECK(fired_at[i] < programmed[i] + 54000000, "timer fires within a second of CVAL");
    }
    u64 ctl;
    __asm__ volatile("mrs %0, cntp_ctl_el0" : "=r"(ctl));
    CHECK_EQ(ctl, 0, "timer disabled by the handler");

    // SGI 3 to this CPU: taken as soon as IRQs are unmasked, IAR carries source CPU 0.
    *(volatile unsigned char *)(GICD + 0x400 + 3) = 0x80;
    D(0xf00) = (2u << 24) | 3;
    __asm__ volatile("msr daifclr, #2\n\tisb\n\tnop\n\tmsr daifset, #2" ::: "memory");
    CHECK_EQ(sgi_irqs, 1, "SGI round trip");
    CHECK_EQ(last_iar, 3, "IAR of the SGI");

    // Priority masking: PMR 0x80 holds back a priority 0x80 SGI until it is raised.
    C(0x04) = 0x80;
    D(0xf00) = (2u << 24) | 3;
    __asm__ volatile("msr daifclr, #2\n\tisb\n\tnop\n\tmsr daifset, #2" ::: "memory");
    CHECK_EQ(sgi_irqs, 1, "PMR masks an equal priority");
    CHECK_EQ((D(0xf20) >> 24) & 0xff, 1, "GICD_SPENDSGIR shows the masked SGI from CPU 0");
    C(0x04) = 0xf0;
    __asm__ volatile("msr daifclr, #2\n\tisb\n\tnop\n\tmsr daifset, #2" ::: "memory");
    CHECK_EQ(sgi_irqs, 2, "raising PMR delivers it");
    CHECK_EQ(late, 0, "no stray interrupts");
    return 0;
}
