// libFuzzer's documented entry for a program with its own main (LLVM libFuzzer docs, "Using
// libFuzzer as a library"): the runtime linked by -sanitize=fuzzer defines it.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
