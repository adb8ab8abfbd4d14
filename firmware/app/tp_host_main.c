/*
 * Host runner for generated models (differential tests): reads the raw bytes of every input
 * tensor from stdin (in input order), runs one inference, writes the raw bytes of every output
 * to stdout (in output order). Exit code 0, 2 on a short read, 3 on an invoke error.
 * Built with the system cc; never used on a device.
 */
#include <stdio.h>
#include <string.h>

#include "tp_app_model.h"

int main(void) {
    int32_t i;
    if (TP_M(init)() != 0) return 3;
    for (i = 0; i < TP_M_NUM_INPUTS; i++) {
        size_t n = TP_M(input_bytes)(i);
        if (fread(TP_M(input)(i), 1, n, stdin) != n) {
            fprintf(stderr, "short read on input %d (need %zu bytes)\n", (int)i, n);
            return 2;
        }
    }
    {
        int rc = TP_M(invoke)();
        if (rc != 0) {
            fprintf(stderr, "invoke failed: operator %d, status %d\n", (rc >> 8) - 1, rc & 0xff);
            return 3;
        }
    }
    for (i = 0; i < TP_M_NUM_OUTPUTS; i++) {
        fwrite(TP_M(output)(i), 1, TP_M(output_bytes)(i), stdout);
    }
    return fflush(stdout) == 0 ? 0 : 4;
}
