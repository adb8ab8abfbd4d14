/*
 * tp_icount: a QEMU TCG plugin that counts executed guest instructions exactly and records the
 * running count each time the guest executes the first instruction of tp_mark().
 *
 *   qemu-system-arm ... -plugin tp_icount.so,mark=0x000001a4,out=/tmp/marks.txt
 *
 * Output file, one line per event, flushed as it happens (a run that is killed still leaves
 * the marks it reached):
 *   mark <count>      instructions executed before this call of tp_mark
 *   total <count>     instructions executed in the whole run (written at exit)
 *   cmark <cycles>    with core=NAME: estimated cycles before this call of tp_mark
 *   ctotal <cycles>   with core=NAME: estimated cycles of the whole run (tp_cycles.h)
 *
 * How the count is made exact. The obvious way - add a translation block's instruction count
 * when the block starts - over-counts whenever a block does not run to its end: a synchronous
 * exception (semihosting BKPT, a fault) and, under -icount, every MMIO access in the middle of
 * a block, which QEMU handles by stopping the block and re-running the access alone
 * (cpu_io_recompile; the rest of the block is then translated and counted again). So instead
 * each instruction gets its own inline "add 1" emitted in front of it: it executes exactly
 * when the instruction does, and the single-instruction block QEMU re-runs for an MMIO access
 * is not instrumented (CF_MEMI_ONLY), so nothing is counted twice. It costs ~1.5x run time.
 *
 * The marker instruction itself gets a callback (not the inline add): the callback records the
 * count, then adds the marker instruction's own 1. Run-to-run the counts are identical.
 *
 * Debian ships no qemu-plugin.h, so the few API declarations used are written out below, from
 * QEMU's plugin API version 1 (QEMU 7.2 accepts plugins built for versions 0..1).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- QEMU plugin API v1 (subset) -------------------------------------------------------- */

typedef uint64_t qemu_plugin_id_t;

typedef struct {
    const char *target_name;
    struct {
        int min;
        int cur;
    } version;
    bool system_emulation;
    union {
        struct {
            int smp_vcpus;
            int max_vcpus;
        } system;
    };
} qemu_info_t;

struct qemu_plugin_tb;
struct qemu_plugin_insn;

enum qemu_plugin_cb_flags {
    QEMU_PLUGIN_CB_NO_REGS,
    QEMU_PLUGIN_CB_R_REGS,
    QEMU_PLUGIN_CB_RW_REGS,
};

enum qemu_plugin_op {
    QEMU_PLUGIN_INLINE_ADD_U64,
};

typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn, enum qemu_plugin_op op,
                                                void *ptr, uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
                                          enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_outs(const char *string);

#define TP_EXPORT __attribute__((visibility("default")))

#include "tp_cycles.h"

TP_EXPORT int qemu_plugin_version = 1;

/* ---- the counter ------------------------------------------------------------------------ */

/* One vCPU on every Cortex-M machine, so one counter. */
static uint64_t tp_count;
static uint64_t tp_mark_addr;
static bool tp_have_mark;
static FILE *tp_out;
static bool tp_total_written;

/* Estimated cycles (core=NAME given): the same scheme as the count, with each instruction's
 * inline add carrying its cycles (tp_cycles.h); a conditional branch's refill is added when the
 * next block does not start at its fall-through address. */
static bool tp_have_core;
static enum tp_core tp_core;
static uint64_t tp_cycles;

struct tp_block {
    uint64_t start;       /* address of the block's first instruction */
    uint64_t fallthrough; /* address after its last instruction */
    unsigned refill;      /* cycles a taken conditional branch at its end adds (0: none) */
};
static const struct tp_block *tp_prev_block;

static void tp_on_block(unsigned int vcpu_index, void *userdata)
{
    const struct tp_block *b = userdata;
    (void)vcpu_index;
    if (tp_prev_block != NULL && tp_prev_block->refill != 0 && b->start != tp_prev_block->fallthrough) {
        tp_cycles += tp_prev_block->refill;
    }
    tp_prev_block = b;
}

static void tp_on_mark(unsigned int vcpu_index, void *userdata)
{
    (void)vcpu_index;
    if (tp_out != NULL) {
        fprintf(tp_out, "mark %" PRIu64 "\n", tp_count);
        if (tp_have_core) fprintf(tp_out, "cmark %" PRIu64 "\n", tp_cycles);
        fflush(tp_out);
    }
    tp_count += 1; /* the marker instruction itself */
    tp_cycles += (uint64_t)(uintptr_t)userdata;
}

static void tp_on_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t n = qemu_plugin_tb_n_insns(tb);
    size_t i;
    (void)id;
    struct tp_block *block = NULL;
    int prev_ldst = 0;
    if (tp_have_core && n > 0) {
        /* Freed never: one per translation, and a run translates each block a few times. */
        block = calloc(1, sizeof *block);
        if (block != NULL) {
            block->start = qemu_plugin_tb_vaddr(tb);
            qemu_plugin_register_vcpu_tb_exec_cb(tb, tp_on_block, QEMU_PLUGIN_CB_NO_REGS, block);
        }
    }
    for (i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        unsigned cycles = 0;
        if (tp_have_core) {
            size_t size = qemu_plugin_insn_size(insn);
            struct tp_decoded d = tp_decode(qemu_plugin_insn_data(insn), size);
            cycles = tp_static_cycles(tp_core, d, prev_ldst);
            prev_ldst = d.cls == TP_LOAD || d.cls == TP_STORE;
            if (block != NULL && i + 1 == n) {
                block->fallthrough = qemu_plugin_insn_vaddr(insn) + size;
                block->refill = d.cls == TP_BCOND ? tp_refill[tp_core] : 0;
            }
        }
        if (tp_have_mark && qemu_plugin_insn_vaddr(insn) == tp_mark_addr) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, tp_on_mark, QEMU_PLUGIN_CB_NO_REGS, (void *)(uintptr_t)cycles);
        } else {
            qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &tp_count, 1);
            if (cycles != 0) qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &tp_cycles, cycles);
        }
    }
}

static void tp_write_total(void)
{
    if (tp_out != NULL && !tp_total_written) {
        tp_total_written = true;
        fprintf(tp_out, "total %" PRIu64 "\n", tp_count);
        if (tp_have_core) fprintf(tp_out, "ctotal %" PRIu64 "\n", tp_cycles);
        fflush(tp_out);
    }
}

static void tp_on_exit(qemu_plugin_id_t id, void *userdata)
{
    (void)id;
    (void)userdata;
    tp_write_total();
}

/* Semihosting SYS_EXIT ends QEMU with exit(); whether QEMU runs the plugin's atexit callback
 * on that path differs between versions, so a C atexit handler writes the total too (once). */
static void tp_on_process_exit(void)
{
    tp_write_total();
}

TP_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv);

TP_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    const char *out_path = NULL;
    int i;
    (void)info;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "mark=", 5) == 0) {
            char *end = NULL;
            tp_mark_addr = strtoull(a + 5, &end, 0) & ~(uint64_t)1; /* drop the Thumb bit */
            if (end == a + 5 || *end != '\0') {
                qemu_plugin_outs("tp_icount: bad mark= address\n");
                return -1;
            }
            tp_have_mark = true;
        } else if (strncmp(a, "core=", 5) == 0) {
            if (!tp_core_from_name(a + 5, &tp_core)) {
                qemu_plugin_outs("tp_icount: unknown core= (cortex-m0, cortex-m0plus, cortex-m3, cortex-m4, cortex-m7, cortex-m33, cortex-m55)\n");
                return -1;
            }
            tp_have_core = true;
        } else if (strncmp(a, "out=", 4) == 0) {
            out_path = a + 4;
        } else {
            qemu_plugin_outs("tp_icount: unknown argument (expected mark=ADDR, core=NAME, out=FILE)\n");
            return -1;
        }
    }
    if (out_path == NULL) {
        qemu_plugin_outs("tp_icount: missing out=FILE\n");
        return -1;
    }
    tp_out = fopen(out_path, "w");
    if (tp_out == NULL) {
        qemu_plugin_outs("tp_icount: cannot open the out= file\n");
        return -1;
    }
    atexit(tp_on_process_exit);
    qemu_plugin_register_vcpu_tb_trans_cb(id, tp_on_tb_trans);
    qemu_plugin_register_atexit_cb(id, tp_on_exit, NULL);
    return 0;
}
