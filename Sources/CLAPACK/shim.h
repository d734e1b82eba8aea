// LAPACKE would otherwise use C99 `float _Complex`, which Swift cannot import;
// a two-float struct has the same layout (and the same as Complex32).
typedef struct { float real; float imag; } ambient_lapack_complex_float;
typedef struct { double real; double imag; } ambient_lapack_complex_double;
#define lapack_complex_float ambient_lapack_complex_float
#define lapack_complex_double ambient_lapack_complex_double
#include <lapacke.h>
#include <cblas.h>
