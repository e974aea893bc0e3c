// OpenBLAS's CBLAS interface plus its thread-control entry points (no logic here).
#include <cblas.h>
