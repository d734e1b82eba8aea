#include "ctorch.h"
int ambient_torch_placeholder(void) { return 0; }
