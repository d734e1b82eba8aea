// A plain C interface over libtorch (in the manner of tch-rs' torch-sys): opaque tensor handles,
// float32 buffers, and integer op codes. Every entry point catches C++ exceptions; on failure it
// returns NULL (or a negative status) and leaves the message in a thread-local string read by
// ctorch_last_error(). Handles returned by the API are owned by the caller: free with ctorch_free.
#ifndef CTORCH_H
#define CTORCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ctorch_tensor_s *ctorch_tensor;
typedef struct ctorch_generator_s *ctorch_generator;
typedef struct ctorch_adamw_s *ctorch_adamw;

// Errors and runtime
const char *ctorch_last_error(void);  // "" when the last call succeeded
void ctorch_set_num_threads(int n);
int ctorch_get_num_threads(void);
int ctorch_cuda_device_count(void);   // 0 when libtorch was built without CUDA

// Device codes: device_type 0 = CPU, 1 = CUDA (device_index selects the GPU).

// Creation, copy-out, metadata
ctorch_tensor ctorch_from_floats(const float *data, const int64_t *shape, int rank, int device_type, int device_index);
// The same through a permutation in one pass: builds `shape` over `data`, then permutes the axes
// (e.g. interleaved complex [B,H,W,2] with perm {0,3,1,2} gives [B,2,H,W] channels).
ctorch_tensor ctorch_from_floats_permuted(const float *data, const int64_t *shape, const int64_t *perm, int rank,
                                          int device_type, int device_index);
// Writes t.permute(perm) into dst laid out contiguously with dst_shape (one pass, no staging copy).
int ctorch_copy_to_floats_permuted(ctorch_tensor t, float *dst, const int64_t *dst_shape, const int64_t *perm, int rank);
ctorch_tensor ctorch_full(const int64_t *shape, int rank, double value, int device_type, int device_index);
ctorch_tensor ctorch_empty(const int64_t *shape, int rank, int device_type, int device_index);  // uninitialised
ctorch_tensor ctorch_arange(int64_t count, int device_type, int device_index);  // float32 0..<count
int ctorch_copy_to_floats(ctorch_tensor t, float *dst, int64_t count);         // 0 ok, -1 error
int ctorch_rank(ctorch_tensor t);
int ctorch_shape(ctorch_tensor t, int64_t *dims, int capacity);                // returns rank
int ctorch_device(ctorch_tensor t, int *device_type, int *device_index);
double ctorch_item(ctorch_tensor t);  // NaN and an error for non-scalar tensors
void ctorch_free(ctorch_tensor t);

// Random numbers from a seeded CPU generator (then moved to the device).
ctorch_generator ctorch_generator_new(uint64_t seed);
void ctorch_generator_free(ctorch_generator g);
ctorch_tensor ctorch_randn(const int64_t *shape, int rank, ctorch_generator g, int device_type, int device_index);
ctorch_tensor ctorch_rand(const int64_t *shape, int rank, ctorch_generator g, int device_type, int device_index);

// Element-wise ops
enum ctorch_unary_op {
    CTORCH_NEG = 0, CTORCH_EXP, CTORCH_LOG, CTORCH_SIN, CTORCH_COS, CTORCH_SQRT, CTORCH_ABS,
    CTORCH_SILU, CTORCH_RELU, CTORCH_SIGMOID, CTORCH_TANH, CTORCH_SQUARE
};
enum ctorch_binary_op { CTORCH_ADD = 0, CTORCH_SUB, CTORCH_MUL, CTORCH_DIV, CTORCH_MAXIMUM, CTORCH_MINIMUM };
enum ctorch_scalar_op { CTORCH_ADD_SCALAR = 0, CTORCH_MUL_SCALAR, CTORCH_POW_SCALAR, CTORCH_RSUB_SCALAR, CTORCH_RDIV_SCALAR, CTORCH_DIV_SCALAR };
ctorch_tensor ctorch_unary(ctorch_tensor a, int op);
ctorch_tensor ctorch_binary(ctorch_tensor a, ctorch_tensor b, int op);  // broadcasting
ctorch_tensor ctorch_scalar(ctorch_tensor a, double s, int op);         // a+s, a*s, a^s, s-a, s/a, a/s

// Reductions: dims == NULL/ndims == 0 reduces everything.
ctorch_tensor ctorch_sum(ctorch_tensor a, const int64_t *dims, int ndims, int keepdim);
ctorch_tensor ctorch_mean(ctorch_tensor a, const int64_t *dims, int ndims, int keepdim);
ctorch_tensor ctorch_norm(ctorch_tensor a);  // Frobenius norm, scalar

// Shape ops
ctorch_tensor ctorch_reshape(ctorch_tensor a, const int64_t *shape, int rank);
ctorch_tensor ctorch_permute(ctorch_tensor a, const int64_t *dims, int rank);
ctorch_tensor ctorch_transpose(ctorch_tensor a, int64_t dim0, int64_t dim1);
ctorch_tensor ctorch_narrow(ctorch_tensor a, int64_t dim, int64_t start, int64_t length);
ctorch_tensor ctorch_cat(const ctorch_tensor *ts, int count, int64_t dim);
ctorch_tensor ctorch_pad(ctorch_tensor a, const int64_t *pad, int npad, double value);  // constant, torch order
ctorch_tensor ctorch_contiguous(ctorch_tensor a, int channels_last);
int ctorch_is_channels_last(ctorch_tensor a);
ctorch_tensor ctorch_to_device(ctorch_tensor a, int device_type, int device_index);
ctorch_tensor ctorch_clone(ctorch_tensor a);
ctorch_tensor ctorch_detach(ctorch_tensor a);

// Neural-network ops
ctorch_tensor ctorch_conv2d(ctorch_tensor x, ctorch_tensor w, ctorch_tensor b /* nullable */,
                            int64_t stride, int64_t padding, int64_t groups);
ctorch_tensor ctorch_upsample_nearest2d(ctorch_tensor x, int64_t out_h, int64_t out_w);
ctorch_tensor ctorch_group_norm(ctorch_tensor x, int64_t groups, ctorch_tensor w, ctorch_tensor b, double eps);
ctorch_tensor ctorch_linear(ctorch_tensor x, ctorch_tensor w, ctorch_tensor b /* nullable */);
ctorch_tensor ctorch_matmul(ctorch_tensor a, ctorch_tensor b);
ctorch_tensor ctorch_bmm(ctorch_tensor a, ctorch_tensor b);
ctorch_tensor ctorch_baddbmm(ctorch_tensor input, ctorch_tensor a, ctorch_tensor b, double beta, double alpha);
ctorch_tensor ctorch_softmax(ctorch_tensor x, int64_t dim);

// Autograd
int ctorch_set_requires_grad(ctorch_tensor t, int flag);
int ctorch_requires_grad(ctorch_tensor t);
int ctorch_backward(ctorch_tensor t, ctorch_tensor gradient /* nullable for scalars */);
int ctorch_grad(ctorch_tensor t, ctorch_tensor *out);  // *out = NULL when no gradient yet
int ctorch_zero_grad(ctorch_tensor t);                  // drops the gradient
int ctorch_set_grad_enabled(int enabled);               // returns the previous mode (thread-local)

// In-place updates (run without recording history)
int ctorch_copy_(ctorch_tensor dst, ctorch_tensor src);
int ctorch_set_data(ctorch_tensor dst, ctorch_tensor src);  // replaces the storage (e.g. new memory format), keeps identity
int ctorch_lerp_(ctorch_tensor dst, ctorch_tensor end, double weight);  // dst += weight * (end - dst)
int ctorch_mul_scalar_(ctorch_tensor dst, double s);

// Gradient clipping over a set of tensors; returns the total norm before clipping (or -1).
double ctorch_clip_grad_norm(const ctorch_tensor *params, int count, double max_norm);

// AdamW (decoupled weight decay, as torch.optim.AdamW without amsgrad). The optimizer keeps its
// own references to the parameters; state tensors are handed out as copies.
ctorch_adamw ctorch_adamw_new(const ctorch_tensor *params, int count, double lr, double beta1, double beta2,
                              double eps, double weight_decay);
void ctorch_adamw_free(ctorch_adamw opt);
int ctorch_adamw_step(ctorch_adamw opt);
void ctorch_adamw_set_lr(ctorch_adamw opt, double lr);
double ctorch_adamw_get_lr(ctorch_adamw opt);
int64_t ctorch_adamw_step_count(ctorch_adamw opt);
// which: 0 = exp_avg, 1 = exp_avg_sq
ctorch_tensor ctorch_adamw_get_state(ctorch_adamw opt, int index, int which);
int ctorch_adamw_set_state(ctorch_adamw opt, int64_t step_count, const ctorch_tensor *exp_avg,
                           const ctorch_tensor *exp_avg_sq, int count);

#ifdef __cplusplus
}
#endif
#endif
