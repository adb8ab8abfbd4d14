/*
 * The instruction-count marker. firmware/qemu-plugin/tp_icount.c is given the address of this
 * function (from the ELF symbol table) and records the running instruction count every time
 * its first instruction executes.
 *
 * Why the volatile store: an empty function could be merged with another identical one
 * (-fipa-icf) or have its calls removed; storing the id keeps every call and gives a debugger
 * something to watch. Its own section (.text.tp_mark, KEPT by the linker script) keeps the
 * symbol present even in a program that never calls it, so the host always finds it. noclone:
 * with -flto, gcc could otherwise call a specialised copy (tp_mark.constprop) at another address.
 */
#include <stdint.h>

#include "tp_platform.h"

volatile uint32_t tp_mark_last;

__attribute__((noinline, noclone, used, section(".text.tp_mark"))) void tp_mark(uint32_t id)
{
    tp_mark_last = id;
}
