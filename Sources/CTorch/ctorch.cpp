// The C boundary over libtorch. One file on purpose: torch headers cost ~15 s per translation unit.
// Only ATen and autograd headers are included (not torch/torch.h) to keep the build short.
#include "ctorch.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/core/GradMode.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

struct ctorch_tensor_s { at::Tensor t; };
struct ctorch_generator_s { at::Generator g; };
struct ctorch_adamw_s {
    std::vector<at::Tensor> params, exp_avg, exp_avg_sq;
    double lr, beta1, beta2, eps, weight_decay;
    int64_t step = 0;
};

namespace {

thread_local std::string last_error;

// Runs `body`; on a C++ exception stores its message and returns `failure`.
template <typename R, typename F>
R guarded(R failure, F &&body) {
    last_error.clear();
    try {
        return body();
    } catch (const c10::Error &e) {
        last_error = e.what_without_backtrace();
    } catch (const std::exception &e) {
        last_error = e.what();
    } catch (...) {
        last_error = "unknown C++ exception";
    }
    return failure;
}

ctorch_tensor wrap(at::Tensor t) { return new ctorch_tensor_s{std::move(t)}; }

const at::Tensor &unwrap(ctorch_tensor h) {
    if (h == nullptr) throw std::invalid_argument("null tensor handle");
    return h->t;
}

at::Device device_of(int type, int index) {
    if (type == 0) return at::Device(at::kCPU);
    if (type == 1) return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index));
    throw std::invalid_argument("unknown device type " + std::to_string(type));
}

at::TensorOptions float_options(int type, int index) {
    return at::TensorOptions().dtype(at::kFloat).device(device_of(type, index));
}

at::IntArrayRef dims(const int64_t *p, int n) { return at::IntArrayRef(p, static_cast<size_t>(n)); }

}  // namespace

extern "C" {

const char *ctorch_last_error(void) { return last_error.c_str(); }
void ctorch_set_num_threads(int n) { if (n > 0) at::set_num_threads(n); }
int ctorch_get_num_threads(void) { return at::get_num_threads(); }
int ctorch_cuda_device_count(void) {
    return guarded(0, [] { return at::hasCUDA() ? static_cast<int>(at::detail::getCUDAHooks().getNumGPUs()) : 0; });
}

ctorch_tensor ctorch_from_floats(const float *data, const int64_t *shape, int rank, int device_type, int device_index) {
    return guarded<ctorch_tensor>(nullptr, [&] {
        at::Tensor view = at::from_blob(const_cast<float *>(data), dims(shape, rank), at::TensorOptions().dtype(at::kFloat));
        return wrap(view.to(float_options(device_type, device_index), false, /*copy=*/true));
    });
}

ctorch_tensor ctorch_from_floats_permuted(const float *data, const int64_t *shape, const int64_t *perm, int rank,
                                          int device_type, int device_index) {
    return guarded<ctorch_tensor>(nullptr, [&] {
        at::Tensor view = at::from_blob(const_cast<float *>(data), dims(shape, rank), at::TensorOptions().dtype(at::kFloat));
        at::Tensor cpu = view.permute(dims(perm, rank)).contiguous();
        return wrap(device_type == 0 ? cpu : cpu.to(device_of(device_type, device_index)));
    });
}

int ctorch_copy_to_floats_permuted(ctorch_tensor h, float *dst, const int64_t *dst_shape, const int64_t *perm, int rank) {
    return guarded(-1, [&] {
        at::Tensor out = at::from_blob(dst, dims(dst_shape, rank), at::TensorOptions().dtype(at::kFloat));
        out.copy_(unwrap(h).detach().permute(dims(perm, rank)));
        return 0;
    });
}

ctorch_tensor ctorch_full(const int64_t *shape, int rank, double value, int device_type, int device_index) {
    return guarded<ctorch_tensor>(nullptr, [&] {
        return wrap(at::full(dims(shape, rank), value, float_options(device_type, device_index)));
    });
}

ctorch_tensor ctorch_empty(const int64_t *shape, int rank, int device_type, int device_index) {
    return guarded<ctorch_tensor>(nullptr, [&] { return wrap(at::empty(dims(shape, rank), float_options(device_type, device_index))); });
}

ctorch_tensor ctorch_arange(int64_t count, int device_type, int device_index) {
    return guarded<ctorch_tensor>(nullptr, [&] { return wrap(at::arange(count, float_options(device_type, device_index))); });
}

int ctorch_copy_to_floats(ctorch_tensor h, float *dst, int64_t count) {
    return guarded(-1, [&] {
        const at::Tensor &t = unwrap(h);
        if (t.numel() != count)
            throw std::invalid_argument("copy_to_floats: tensor has " + std::to_string(t.numel()) +
                                        " elements, buffer " + std::to_string(count));
        at::Tensor out = at::from_blob(dst, t.sizes(), at::TensorOptions().dtype(at::kFloat));
        out.copy_(t.detach());
        return 0;
    });
}

int ctorch_rank(ctorch_tensor h) { return guarded(-1, [&] { return static_cast<int>(unwrap(h).dim()); }); }

int ctorch_shape(ctorch_tensor h, int64_t *out, int capacity) {
    return guarded(-1, [&] {
        auto sizes = unwrap(h).sizes();
        for (size_t i = 0; i < sizes.size() && static_cast<int>(i) < capacity; ++i) out[i] = sizes[i];
        return static_cast<int>(sizes.size());
    });
}

int ctorch_device(ctorch_tensor h, int *type, int *index) {
    return guarded(-1, [&] {
        at::Device d = unwrap(h).device();
        *type = d.is_cuda() ? 1 : 0;
        *index = d.has_index() ? d.index() : 0;
        return 0;
    });
}

double ctorch_item(ctorch_tensor h) { return guarded(NAN, [&] { return unwrap(h).item<double>(); }); }

void ctorch_free(ctorch_tensor h) { delete h; }

ctorch_generator ctorch_generator_new(uint64_t seed) {
    return guarded<ctorch_generator>(nullptr, [&] {
        return new ctorch_generator_s{at::make_generator<at::CPUGeneratorImpl>(seed)};
    });
}

void ctorch_generator_free(ctorch_generator g) { delete g; }

ctorch_tensor ctorch_randn(const int64_t *shape, int rank, ctorch_generator g, int device_type, int device_index) {
    return guarded<ctorch_tensor>(nullptr, [&] {
        at::Tensor cpu = at::randn(dims(shape, rank), g->g, at::TensorOptions().dtype(at::kFloat));
        return wrap(device_type == 0 ? cpu : cpu.to(device_of(device_type, device_index)));
    });
}

ctorch_tensor ctorch_rand(const int64_t *shape, int rank, ctorch_generator g, int device_type, int device_index) {
    return guarded<ctorch_tensor>(nullptr, [&] {
        at::Tensor cpu = at::rand(dims(shape, rank), g->g, at::TensorOptions().dtype(at::kFloat));
        return wrap(device_type == 0 ? cpu : cpu.to(device_of(device_type, device_index)));
    });
}

ctorch_tensor ctorch_unary(ctorch_tensor ha, int op) {
    return guarded<ctorch_tensor>(nullptr, [&] {
        const at::Tensor &a = unwrap(ha);
        switch (op) {
            case CTORCH_NEG: return wrap(at::neg(a));
            case CTORCH_EXP: return wrap(at::exp(a));
            case CTORCH_LOG: return wrap(at::log(a));
            case CTORCH_SIN: return wrap(at::sin(a));
            case CTORCH_COS: return wrap(at::cos(a));
            case CTORCH_SQRT: return wrap(at::sqrt(a));
            case CTORCH_ABS: return wrap(at::abs(a));
            case CTORCH_SILU: return wrap(at::silu(a));
            case CTORCH_RELU: return wrap(at::relu(a));
            case CTORCH_SIGMOID: return wrap(at::sigmoid(a));
            case CTORCH_TANH: return wrap(at::tanh(a));
            case CTORCH_SQUARE: return wrap(at::square(a));
        }
        throw std::invalid_argument("unknown unary op " + std::to_string(op));
    });
}

ctorch_tensor ctorch_binary(ctorch_tensor ha, ctorch_tensor hb, int op) {
    return guarded<ctorch_tensor>(nullptr, [&] {
        const at::Tensor &a = unwrap(ha), &b = unwrap(hb);
        switch (op) {
            case CTORCH_ADD: return wrap(at::add(a, b));
            case CTORCH_SUB: return wrap(at::sub(a, b));
            case CTORCH_MUL: return wrap(at::mul(a, b));
            case CTORCH_DIV: return wrap(at::div(a, b));
            case CTORCH_MAXIMUM: return wrap(at::maximum(a, b));
            case CTORCH_MINIMUM: return wrap(at::minimum(a, b));
        }
        throw std::invalid_argument("unknown binary op " + std::to_string(op));
    });
}

ctorch_tensor ctorch_scalar(ctorch_tensor ha, double s, int op) {
    return guarded<ctorch_tensor>(nullptr, [&] {
        const at::Tensor &a = unwrap(ha);
        switch (op) {
            case CTORCH_ADD_SCALAR: return wrap(at::add(a, s));
            case CTORCH_MUL_SCALAR: return wrap(at::mul(a, s));
            case CTORCH_POW_SCALAR: return wrap(at::pow(a, s));
            case CTORCH_RSUB_SCALAR: return wrap(at::rsub(a, s));
            case CTORCH_RDIV_SCALAR: return wrap(at::mul(at::reciprocal(a), s));
            case CTORCH_DIV_SCALAR: return wrap(at::div(a, s));
        }
        throw std::invalid_argument("unknown scalar op " + std::to_string(op));
    });
}

ctorch_tensor ctorch_sum(ctorch_tensor ha, const int64_t *d, int nd, int keepdim) {
    return guarded<ctorch_tensor>(nullptr, [&] {
        const at::Tensor &a = unwrap(ha);
        return wrap(nd == 0 ? at::sum(a) : at::sum(a, dims(d, nd), keepdim != 0));
    });
}

ctorch_tensor ctorch_mean(ctorch_tensor ha, const int64_t *d, int nd, int keepdim) {
    return guarded<ctorch_tensor>(nullptr, [&] {
        const at::Tensor &a = unwrap(ha);
        return wrap(nd == 0 ? at::mean(a) : at::mean(a, dims(d, nd), keepdim != 0));
    });
}

ctorch_tensor ctorch_norm(ctorch_tensor ha) {
    return guarded<ctorch_tensor>(nullptr, [&] { return wrap(at::norm(unwrap(ha))); });
}

ctorch_tensor ctorch_reshape(ctorch_tensor ha, const int64_t *shape, int rank) {
    return guarded<ctorch_tensor>(nullptr, [&] { return wrap(at::reshape(unwrap(ha), dims(shape, rank))); });
}

ctorch_tensor ctorch_permute(ctorch_tensor ha, const int64_t *d, int rank) {
    return guarded<ctorch_tensor>(nullptr, [&] { return wrap(unwrap(ha).permute(dims(d, rank))); });
}

ctorch_tensor ctorch_transpose(ctorch_tensor ha, int64_t d0, int64_t d1) {
    return guarded<ctorch_tensor>(nullptr, [&] { return wrap(at::transpose(unwrap(ha), d0, d1)); });
}

ctorch_tensor ctorch_narrow(ctorch_tensor ha, int64_t dim, int64_t start, int64_t length) {
    return guarded<ctorch_tensor>(nullptr, [&] { return wrap(at::narrow(unwrap(ha), dim, start, length)); });
}

ctorch_tensor ctorch_cat(const ctorch_tensor *hs, int count, int64_t dim) {
    return guarded<ctorch_tensor>(nullptr, [&] {
        std::vector<at::Tensor> ts;
        ts.reserve(count);
        for (int i = 0; i < count; ++i) ts.push_back(unwrap(hs[i]));
        return wrap(at::cat(ts, dim));
    });
}

ctorch_tensor ctorch_pad(ctorch_tensor ha, const int64_t *pad, int npad, double value) {
    return guarded<ctorch_tensor>(nullptr, [&] { return wrap(at::constant_pad_nd(unwrap(ha), dims(pad, npad), value)); });
}

ctorch_tensor ctorch_contiguous(ctorch_tensor ha, int channels_last) {
    return guarded<ctorch_tensor>(nullptr, [&] {
        return wrap(unwrap(ha).contiguous(channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous));
    });
}

int ctorch_is_channels_last(ctorch_tensor ha) {
    return guarded(-1, [&] {
        const at::Tensor &a = unwrap(ha);
        return a.dim() == 4 && a.is_contiguous(at::MemoryFormat::ChannelsLast) ? 1 : 0;
    });
}

ctorch_tensor ctorch_to_device(ctorch_tensor ha, int type, int index) {
    return guarded<ctorch_tensor>(nullptr, [&] { return wrap(unwrap(ha).to(device_of(type, index))); });
}

ctorch_tensor ctorch_clone(ctorch_tensor ha) {
    return guarded<ctorch_tensor>(nullptr, [&] { return wrap(unwrap(ha).clone()); });
}

ctorch_tensor ctorch_detach(ctorch_tensor ha) {
    return guarded<ctorch_tensor>(nullptr, [&] { return wrap(unwrap(ha).detach()); });
}

ctorch_tensor ctorch_conv2d(ctorch_tensor x, ctorch_tensor w, ctorch_tensor b, int64_t stride, int64_t padding, int64_t groups) {
    return guarded<ctorch_tensor>(nullptr, [&] {
        c10::optional<at::Tensor> bias;
        if (b != nullptr) bias = unwrap(b);
        return wrap(at::conv2d(unwrap(x), unwrap(w), bias, {stride, stride}, {padding, padding}, {1, 1}, groups));
    });
}

ctorch_tensor ctorch_upsample_nearest2d(ctorch_tensor x, int64_t out_h, int64_t out_w) {
    return guarded<ctorch_tensor>(nullptr, [&] {
        return wrap(at::upsample_nearest2d(unwrap(x), {out_h, out_w}, c10::nullopt, c10::nullopt));
    });
}

ctorch_tensor ctorch_group_norm(ctorch_tensor x, int64_t groups, ctorch_tensor w, ctorch_tensor b, double eps) {
    return guarded<ctorch_tensor>(nullptr, [&] {
        c10::optional<at::Tensor> weight, bias;
        if (w != nullptr) weight = unwrap(w);
        if (b != nullptr) bias = unwrap(b);
        return wrap(at::group_norm(unwrap(x), groups, weight, bias, eps, at::globalContext().userEnabledCuDNN()));
    });
}

ctorch_tensor ctorch_linear(ctorch_tensor x, ctorch_tensor w, ctorch_tensor b) {
    return guarded<ctorch_tensor>(nullptr, [&] {
        c10::optional<at::Tensor> bias;
        if (b != nullptr) bias = unwrap(b);
        return wrap(at::linear(unwrap(x), unwrap(w), bias));
    });
}

ctorch_tensor ctorch_matmul(ctorch_tensor a, ctorch_tensor b) {
    return guarded<ctorch_tensor>(nullptr, [&] { return wrap(at::matmul(unwrap(a), unwrap(b))); });
}

ctorch_tensor ctorch_bmm(ctorch_tensor a, ctorch_tensor b) {
    return guarded<ctorch_tensor>(nullptr, [&] { return wrap(at::bmm(unwrap(a), unwrap(b))); });
}

ctorch_tensor ctorch_baddbmm(ctorch_tensor input, ctorch_tensor a, ctorch_tensor b, double beta, double alpha) {
    return guarded<ctorch_tensor>(nullptr, [&] {
        return wrap(at::baddbmm(unwrap(input), unwrap(a), unwrap(b), beta, alpha));
    });
}

ctorch_tensor ctorch_softmax(ctorch_tensor x, int64_t dim) {
    return guarded<ctorch_tensor>(nullptr, [&] { return wrap(at::softmax(unwrap(x), dim)); });
}

int ctorch_set_requires_grad(ctorch_tensor h, int flag) {
    return guarded(-1, [&] { unwrap(h).set_requires_grad(flag != 0); return 0; });
}

int ctorch_requires_grad(ctorch_tensor h) { return guarded(-1, [&] { return unwrap(h).requires_grad() ? 1 : 0; }); }

int ctorch_backward(ctorch_tensor h, ctorch_tensor g) {
    return guarded(-1, [&] {
        if (g != nullptr) unwrap(h).backward(unwrap(g));
        else unwrap(h).backward();
        return 0;
    });
}

int ctorch_grad(ctorch_tensor h, ctorch_tensor *out) {
    return guarded(-1, [&] {
        const at::Tensor &g = unwrap(h).grad();
        *out = g.defined() ? wrap(g) : nullptr;
        return 0;
    });
}

int ctorch_zero_grad(ctorch_tensor h) {
    return guarded(-1, [&] {
        at::Tensor &g = h->t.mutable_grad();
        if (g.defined()) g = at::Tensor();
        return 0;
    });
}

int ctorch_set_grad_enabled(int enabled) {
    bool previous = c10::GradMode::is_enabled();
    c10::GradMode::set_enabled(enabled != 0);
    return previous ? 1 : 0;
}

int ctorch_copy_(ctorch_tensor dst, ctorch_tensor src) {
    return guarded(-1, [&] {
        c10::NoGradGuard no_grad;
        dst->t.copy_(unwrap(src));
        return 0;
    });
}

int ctorch_set_data(ctorch_tensor dst, ctorch_tensor src) {
    return guarded(-1, [&] {
        unwrap(dst).set_data(unwrap(src).detach());
        return 0;
    });
}

int ctorch_lerp_(ctorch_tensor dst, ctorch_tensor end, double weight) {
    return guarded(-1, [&] {
        c10::NoGradGuard no_grad;
        dst->t.lerp_(unwrap(end), weight);
        return 0;
    });
}

int ctorch_mul_scalar_(ctorch_tensor dst, double s) {
    return guarded(-1, [&] {
        c10::NoGradGuard no_grad;
        dst->t.mul_(s);
        return 0;
    });
}

double ctorch_clip_grad_norm(const ctorch_tensor *params, int count, double max_norm) {
    return guarded(-1.0, [&] {
        c10::NoGradGuard no_grad;
        std::vector<at::Tensor> grads;
        for (int i = 0; i < count; ++i) {
            const at::Tensor &g = unwrap(params[i]).grad();
            if (g.defined()) grads.push_back(g);
        }
        if (grads.empty()) return 0.0;
        std::vector<at::Tensor> norms;
        for (auto &g : grads) norms.push_back(at::norm(g));
        double total = at::norm(at::stack(norms)).item<double>();
        double coefficient = max_norm / (total + 1e-6);  // as torch.nn.utils.clip_grad_norm_
        if (coefficient < 1.0)
            for (auto &g : grads) g.mul_(coefficient);
        return total;
    });
}

ctorch_adamw ctorch_adamw_new(const ctorch_tensor *params, int count, double lr, double beta1, double beta2,
                              double eps, double weight_decay) {
    return guarded<ctorch_adamw>(nullptr, [&] {
        auto *opt = new ctorch_adamw_s;
        for (int i = 0; i < count; ++i) opt->params.push_back(unwrap(params[i]));
        opt->exp_avg.resize(count);
        opt->exp_avg_sq.resize(count);
        opt->lr = lr; opt->beta1 = beta1; opt->beta2 = beta2; opt->eps = eps; opt->weight_decay = weight_decay;
        return opt;
    });
}

void ctorch_adamw_free(ctorch_adamw opt) { delete opt; }

// The update of torch.optim.AdamW (single-tensor path): decay, moments, bias-corrected step.
int ctorch_adamw_step(ctorch_adamw opt) {
    return guarded(-1, [&] {
        c10::NoGradGuard no_grad;
        opt->step += 1;
        const double bias1 = 1 - std::pow(opt->beta1, static_cast<double>(opt->step));
        const double bias2 = 1 - std::pow(opt->beta2, static_cast<double>(opt->step));
        const double step_size = opt->lr / bias1;
        const double bias2_sqrt = std::sqrt(bias2);
        for (size_t i = 0; i < opt->params.size(); ++i) {
            at::Tensor &p = opt->params[i];
            const at::Tensor &g = p.grad();
            if (!g.defined()) continue;
            if (!opt->exp_avg[i].defined()) {
                opt->exp_avg[i] = at::zeros_like(p, at::MemoryFormat::Preserve);
                opt->exp_avg_sq[i] = at::zeros_like(p, at::MemoryFormat::Preserve);
            }
            p.mul_(1 - opt->lr * opt->weight_decay);
            opt->exp_avg[i].mul_(opt->beta1).add_(g, 1 - opt->beta1);
            opt->exp_avg_sq[i].mul_(opt->beta2).addcmul_(g, g, 1 - opt->beta2);
            at::Tensor denom = (opt->exp_avg_sq[i].sqrt() / bias2_sqrt).add_(opt->eps);
            p.addcdiv_(opt->exp_avg[i], denom, -step_size);
        }
        return 0;
    });
}

void ctorch_adamw_set_lr(ctorch_adamw opt, double lr) { opt->lr = lr; }
double ctorch_adamw_get_lr(ctorch_adamw opt) { return opt->lr; }
int64_t ctorch_adamw_step_count(ctorch_adamw opt) { return opt->step; }

ctorch_tensor ctorch_adamw_get_state(ctorch_adamw opt, int index, int which) {
    return guarded<ctorch_tensor>(nullptr, [&] {
        if (index < 0 || static_cast<size_t>(index) >= opt->params.size())
            throw std::out_of_range("AdamW state index " + std::to_string(index) + " out of range");
        const at::Tensor &s = which == 0 ? opt->exp_avg[index] : opt->exp_avg_sq[index];
        return wrap(s.defined() ? s.clone() : at::zeros_like(opt->params[index]).detach());
    });
}

int ctorch_adamw_set_state(ctorch_adamw opt, int64_t step_count, const ctorch_tensor *exp_avg,
                           const ctorch_tensor *exp_avg_sq, int count) {
    return guarded(-1, [&] {
        if (static_cast<size_t>(count) != opt->params.size())
            throw std::invalid_argument("AdamW state for " + std::to_string(count) + " parameters, optimizer has " +
                                        std::to_string(opt->params.size()));
        std::vector<at::Tensor> m, v;
        for (int i = 0; i < count; ++i) {
            const at::Tensor &p = opt->params[i];
            const at::Tensor &a = unwrap(exp_avg[i]), &b = unwrap(exp_avg_sq[i]);
            if (a.sizes() != p.sizes() || b.sizes() != p.sizes())
                throw std::invalid_argument("AdamW state " + std::to_string(i) + " has shape " +
                                            c10::str(a.sizes()) + ", parameter " + c10::str(p.sizes()));
            m.push_back(a.detach().to(p.device()).clone());
            v.push_back(b.detach().to(p.device()).clone());
        }
        opt->exp_avg = std::move(m);
        opt->exp_avg_sq = std::move(v);
        opt->step = step_count;
        return 0;
    });
}

}  // extern "C"
