/* Compiled time loop of the discrete-time rate networks (reservoirs/dynamics.py).
 *
 * Implements, for every step t, with the sign s and gain c of the activation folded into the
 * rows of W, of W_in, of the bias and of the low-rank rows p by the caller
 * (reservoirs/compiled.py),
 *
 *     x = s c (W_in u(t) - theta) + s c p (q . r(t)) + s c W r(t),
 *     r(t+1) = (1 - a) r(t) + a g(x),
 *
 * where the optional rank-one term p q^T (one per network of a stack) is the mean-field shift of
 * the inhibitory drive (reservoirs/network.py, balance_mode "mean_shift"),
 * g(y) = 1 / (1 + exp(y)) for the logistic sigmoid (f(x) = g(-x)) and g = tanh. The sum of
 * each row starts from the drive and runs in the stored order of the CSR row, as scipy's
 * csr_matvec(s) do in the numpy path; the two paths agree to rounding (exp, fused
 * multiply-adds), and each row's arithmetic does not depend on what else is in the batch.
 *
 * Loaded with ctypes (workbench.native); every array is C-contiguous, indices are int32.
 * With AVX-512 the inner products use gathers (one network) or 8-wide rows of the batch
 * (many networks); otherwise portable loops compute the same sums in the same order.
 */
#ifdef __AVX512F__
#include <immintrin.h>
#endif
#include <math.h>
#include <stdint.h>
#include <string.h>

enum { ACT_SIGMOID = 0, ACT_TANH = 1 };

/* exp(x) for x in [-708, 709] (clamped outside), branch-free so that loops vectorise:
 * x = k ln2 + r with |r| <= ln2/2 (Cody-Waite split of ln2, fdlibm constants), e^r by its
 * Taylor polynomial of degree 13 (truncation error < 4e-18 relative), times 2^k built in the
 * exponent bits. Within 2 ulp of the correctly rounded value. */
static inline double vexp(double x)
{
    const double shift = 6755399441055744.0; /* 1.5 * 2^52: rounds to an integer */
    x = x < -708.0 ? -708.0 : x;
    x = x > 709.0 ? 709.0 : x;
    double kd = x * 1.4426950408889634 + shift;
    double k = kd - shift;
    double r = (x - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10;
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    uint64_t bits;
    memcpy(&bits, &kd, sizeof bits);
    bits = (bits + 1023u) << 52; /* low bits of kd hold k: (k + 1023) becomes the exponent */
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* x[i] = g(x[i]) for i < len. The sigmoid is exactly 0 beyond y = 709, where exp(y)
 * approaches overflow (as numpy's 1 / (1 + inf)): the clamped exp would otherwise leave a
 * subnormal number there, and subnormals slow every later product that reads it. */
static void activate(double *x, int64_t len, int act)
{
    if (act == ACT_SIGMOID) {
        for (int64_t i = 0; i < len; i++)
            x[i] = x[i] > 709.0 ? 0.0 : 1.0 / (1.0 + vexp(x[i]));
    } else {
        for (int64_t i = 0; i < len; i++)
            x[i] = tanh(x[i]);
    }
}

/* Rows per chunk of the SELL layout: the entries of rows 8c .. 8c+7 are interleaved,
 * slot j of chunk c holding the j-th entry of each of its rows at data[off[c] + 8 j + lane]
 * (rows shorter than the chunk's longest are padded with zero weights). */
#define LANES 8

/* Folded drive of neuron i at one step: bias_i + sum_k win_ik u_k (d_in inputs). */
static inline double drive_of(int64_t i, int64_t d_in, const double *u, const double *win,
                              const double *bias)
{
    double acc = bias[i];
    for (int64_t k = 0; k < d_in; k++)
        acc += win[i * d_in + k] * u[k];
    return acc;
}

/* x = drive + W r for one step (input u of this step), W in the SELL layout of `n_chunks`
 * chunks. */
static void sell_matvec(int64_t m, int64_t n_chunks, const int64_t *off, const int32_t *indices,
                        const double *data, int64_t d_in, const double *u, const double *win,
                        const double *bias, const double *lr_p, const double *dots,
                        int64_t group, const double *r, double *x)
{
    for (int64_t c = 0; c < n_chunks; c++) {
        double acc[LANES];
        for (int l = 0; l < LANES; l++) {
            const int64_t i = c * LANES + l;
            acc[l] = i < m ? drive_of(i, d_in, u, win, bias) : 0.0;
            if (lr_p && i < m)
                acc[l] += lr_p[i] * dots[i / group];
        }
        const double *v = data + off[c];
        const int32_t *ix = indices + off[c];
        const int64_t width = (off[c + 1] - off[c]) / LANES;
#ifdef __AVX512F__
        __m512d a = _mm512_loadu_pd(acc);
        for (int64_t j = 0; j < width; j++) {
            __m256i idx = _mm256_loadu_si256((const __m256i *)(ix + j * LANES));
            a = _mm512_fmadd_pd(_mm512_loadu_pd(v + j * LANES), _mm512_i32gather_pd(idx, r, 8), a);
        }
        _mm512_storeu_pd(acc, a);
#else
        for (int64_t j = 0; j < width; j++)
            for (int l = 0; l < LANES; l++)
                acc[l] += v[j * LANES + l] * r[ix[j * LANES + l]];
#endif
        for (int l = 0; l < LANES && c * LANES + l < m; l++)
            x[c * LANES + l] = acc[l];
    }
}

/* One network (or a block-diagonal stack) of m neurons: `steps` steps from `state` (m,),
 * updated in place. W in the SELL layout (off: n_chunks + 1 offsets); u: (steps, d_in)
 * input, win: (m, d_in) and bias: (m,) folded (s c W_in and -s c theta).
 * out: (steps, m) receiving r(t+1), or NULL (states discarded; `work` then holds 2 m
 * doubles). leak: (m,) values a, or NULL for a = 1.
 * lr_p, lr_q: (m,) rank-one term, one per block of `group` neurons (x_i += p_i q_G . r_G for
 * the block G holding i), or NULL; dots: m / group doubles of scratch. */
void rate_run(int64_t m, int64_t n_chunks, int64_t steps, const int64_t *off,
              const int32_t *indices, const double *data, int64_t d_in, const double *u,
              const double *win, const double *bias, const double *leak, int act,
              double *state, double *out, double *work, const double *lr_p,
              const double *lr_q, int64_t group, double *dots)
{
    const double *r = state;
    for (int64_t t = 0; t < steps; t++) {
        double *x = out ? out + t * m : work + (t & 1) * m;
        if (lr_p)
            for (int64_t g = 0; g < m / group; g++) {
                double acc = 0.0;
                for (int64_t j = g * group; j < (g + 1) * group; j++)
                    acc += lr_q[j] * r[j];
                dots[g] = acc;
            }
        sell_matvec(m, n_chunks, off, indices, data, d_in, u + t * d_in, win, bias, lr_p, dots,
                    group, r, x);
        activate(x, m, act);
        if (leak)
            for (int64_t i = 0; i < m; i++)
                x[i] = leak[i] * x[i] + (1.0 - leak[i]) * r[i];
        r = x;
    }
    if (steps > 0)
        memcpy(state, r, (size_t)m * sizeof *state);
}

/* Y = d 1^T + [M_1 ... M_K] Z for one step (CSR rows; Z is (K n, batch), batch a multiple
 * of 8), four 8-wide column tiles at a time so that four independent sums advance per link. */
static void shared_matvec(int64_t n, int64_t batch, const int32_t *indptr,
                          const int32_t *indices, const double *data, const double *z,
                          int64_t d_in, const double *u, const double *win,
                          const double *bias, const double *lr_p, const double *dots,
                          double *y)
{
    for (int64_t i = 0; i < n; i++) {
        const double di = drive_of(i, d_in, u, win, bias);
        const double pi = lr_p ? lr_p[i] : 0.0;
        for (int64_t q = 0; q < batch; q += 4 * LANES) {
            const int64_t tiles = (batch - q) / LANES < 4 ? (batch - q) / LANES : 4;
#ifdef __AVX512F__
            const __mmask8 k1 = tiles > 1 ? 0xFF : 0, k2 = tiles > 2 ? 0xFF : 0,
                           k3 = tiles > 3 ? 0xFF : 0;
            __m512d a0 = _mm512_set1_pd(di), a1 = a0, a2 = a0, a3 = a0;
            if (lr_p) {
                const __m512d p = _mm512_set1_pd(pi);
                a0 = _mm512_fmadd_pd(p, _mm512_loadu_pd(dots + q), a0);
                a1 = _mm512_fmadd_pd(p, _mm512_maskz_loadu_pd(k1, dots + q + LANES), a1);
                a2 = _mm512_fmadd_pd(p, _mm512_maskz_loadu_pd(k2, dots + q + 2 * LANES), a2);
                a3 = _mm512_fmadd_pd(p, _mm512_maskz_loadu_pd(k3, dots + q + 3 * LANES), a3);
            }
            for (int32_t p = indptr[i]; p < indptr[i + 1]; p++) {
                const __m512d w = _mm512_set1_pd(data[p]);
                const double *zj = z + (int64_t)indices[p] * batch + q;
                a0 = _mm512_fmadd_pd(w, _mm512_loadu_pd(zj), a0);
                a1 = _mm512_fmadd_pd(w, _mm512_maskz_loadu_pd(k1, zj + LANES), a1);
                a2 = _mm512_fmadd_pd(w, _mm512_maskz_loadu_pd(k2, zj + 2 * LANES), a2);
                a3 = _mm512_fmadd_pd(w, _mm512_maskz_loadu_pd(k3, zj + 3 * LANES), a3);
            }
            double *yi = y + i * batch + q;
            _mm512_storeu_pd(yi, a0);
            _mm512_mask_storeu_pd(yi + LANES, k1, a1);
            _mm512_mask_storeu_pd(yi + 2 * LANES, k2, a2);
            _mm512_mask_storeu_pd(yi + 3 * LANES, k3, a3);
#else
            const int64_t width = tiles * LANES;
            double *yi = y + i * batch + q;
            for (int64_t b = 0; b < width; b++)
                yi[b] = lr_p ? di + pi * dots[q + b] : di;
            for (int32_t p = indptr[i]; p < indptr[i + 1]; p++) {
                const double w = data[p];
                const double *zj = z + (int64_t)indices[p] * batch + q;
                for (int64_t b = 0; b < width; b++)
                    yi[b] += w * zj[b];
            }
#endif
        }
    }
}

/* r = (1 - a) r + a y for the (n, batch) states (r = y without a leak). */
static void leak_into(int64_t n, int64_t batch, const double *y, const double *leak,
                      double *state)
{
    for (int64_t i = 0; i < n; i++) {
        const double *yi = y + i * batch;
        double *ri = state + i * batch;
        if (leak)
            for (int64_t b = 0; b < batch; b++)
                ri[b] = leak[i] * yi[b] + (1.0 - leak[i]) * ri[b];
        else
            for (int64_t b = 0; b < batch; b++)
                ri[b] = yi[b];
    }
}

/* Column b < used of the (n, batch) states to out[b * sb + i], transposed in blocks of 64
 * neurons so that the reads stay in L1. */
static void store_states(int64_t n, int64_t batch, int64_t used, const double *state,
                         double *out, int64_t sb)
{
    for (int64_t i0 = 0; i0 < n; i0 += 64) {
        const int64_t i1 = i0 + 64 < n ? i0 + 64 : n;
        for (int64_t b = 0; b < used; b++) {
            double *o = out + b * sb;
            for (int64_t i = i0; i < i1; i++)
                o[i] = state[i * batch + b];
        }
    }
}

/* B networks with W_b = sum_k scales[k, b] M_k, [M_1 ... M_K] one (n, K n) CSR matrix;
 * `batch` (a multiple of 8) columns, the first `used` of them wanted. state: (n, batch),
 * column b = r_b, updated in place. u: (steps, d_in) input shared by all networks, win:
 * (n, d_in) and bias: (n,) folded as in rate_run.
 * out: r_b(t+1) for b < used written at out[b * sb + t * st + i] (element strides), or NULL.
 * z: K n batch doubles, y: n batch doubles of scratch. Per step Z = [R diag(s_1); ...;
 * R diag(s_K)] and Y = d 1^T + [M_1 ... M_K] Z: each stored link is read once per step
 * for the whole batch.
 * lr_p, lr_q: (n,) and lr_s: (batch,) rank-one term of network b, W_b += lr_s[b] p q^T, or
 * NULL; dots: batch doubles of scratch. */
void shared_run(int64_t n, int64_t n_parts, int64_t batch, int64_t used, int64_t steps,
                const int32_t *indptr, const int32_t *indices, const double *data,
                const double *scales, int64_t d_in, const double *u, const double *win,
                const double *bias, const double *leak, int act,
                double *state, double *out, int64_t sb, int64_t st, double *z, double *y,
                const double *lr_p, const double *lr_q, const double *lr_s, double *dots)
{
    const int64_t nb = n * batch;
    for (int64_t t = 0; t < steps; t++) {
        if (lr_p) {
            for (int64_t b = 0; b < batch; b++)
                dots[b] = 0.0;
            for (int64_t j = 0; j < n; j++)
                for (int64_t b = 0; b < batch; b++)
                    dots[b] += lr_q[j] * state[j * batch + b];
            for (int64_t b = 0; b < batch; b++)
                dots[b] *= lr_s[b];
        }
        for (int64_t k = 0; k < n_parts; k++) {
            const double *s = scales + k * batch;
            double *zk = z + k * nb;
            for (int64_t i = 0; i < n; i++)
                for (int64_t b = 0; b < batch; b++)
                    zk[i * batch + b] = state[i * batch + b] * s[b];
        }
        shared_matvec(n, batch, indptr, indices, data, z, d_in, u + t * d_in, win, bias, lr_p,
                      dots, y);
        activate(y, nb, act);
        leak_into(n, batch, y, leak, state);
        if (out)
            store_states(n, batch, used, state, out + t * st, sb);
    }
}

/* acc[0 .. W) = sum over the links p0 <= p < p1 of one row of data[p, q + l] z[j_p, q + l]
 * for a compile-time width W (up to 32 networks: independent sums hide the FMA latency). */
#define pattern_row(W, p0, p1)                                                              \
    do {                                                                                    \
        for (int l = 0; l < (W); l++)                                                       \
            acc[l] = 0.0;                                                                   \
        for (int32_t p = (p0); p < (p1); p++) {                                             \
            const double *w_ = data + (int64_t)p * batch + q;                               \
            const double *z_ = state + (int64_t)indices[p] * batch + q;                     \
            for (int l = 0; l < (W); l++)                                                   \
                acc[l] += w_[l] * z_[l];                                                    \
        }                                                                                   \
    } while (0)

/* B networks with one sparsity pattern and their own values (unfolded W, signs included):
 * CSR indptr/indices (n x n) and data (nnz, batch), data[p * batch + b] the value of link p
 * in network b; `batch` a multiple of 8, the first `used` columns wanted. All networks
 * share W_in (win: (n, d_in), unfolded), theta (bias = -theta), the gain and the leak; their
 * states are the columns of state (n, batch), updated in place. Per step and network b
 *
 *     x_b = W_b r_b + (W_in u(t) - theta) + p_b (q_b . r_b),    r_b(t+1) = (1-a) r_b + a g(s c x_b),
 *
 * the same order of operations as the numpy path of a hooked RateSystem (the sum starts at
 * zero, then the drive, then the rank-one term, then the gain), with s c per row in `fold`.
 * lr_p, lr_q: (n, batch) rank-one factors of each network, or NULL; dots: batch doubles.
 * out, sb, st as in shared_run; y: n batch doubles of scratch.
 *
 * Plasticity (inh != NULL): after every step each of the n_inh inhibitory links inh[k] into
 * neuron inh_row[k] changes in every network, W_b <- min(W_b - delta (r_b,i - target_b,i), 0)
 * (the homeostatic rule of reservoirs/adaptation.py; W is stored negative), with
 * target: (n, batch). Reading every link once for the whole batch (contiguous 8-wide rows
 * instead of gathers) is what makes many adapted copies of one network cheap. */
void pattern_run(int64_t n, int64_t batch, int64_t used, int64_t steps,
                 const int32_t *indptr, const int32_t *indices, double *data,
                 int64_t d_in, const double *u, const double *win, const double *bias,
                 const double *fold, const double *leak, int act,
                 double *state, double *out, int64_t sb, int64_t st, double *y,
                 const double *lr_p, const double *lr_q, double *dots,
                 int64_t n_inh, const int64_t *inh, const int32_t *inh_row,
                 double delta, const double *target)
{
    for (int64_t t = 0; t < steps; t++) {
        if (lr_p) {
            for (int64_t b = 0; b < batch; b++)
                dots[b] = 0.0;
            for (int64_t j = 0; j < n; j++)
                for (int64_t b = 0; b < batch; b++)
                    dots[b] += lr_q[j * batch + b] * state[j * batch + b];
        }
        for (int64_t i = 0; i < n; i++) {
            const double di = drive_of(i, d_in, u + t * d_in, win, bias);
            const double fi = fold[i];
            for (int64_t q = 0; q < batch; q += 4 * LANES) {
                const int64_t width = batch - q < 4 * LANES ? batch - q : 4 * LANES;
                double acc[4 * LANES];
                switch (width / LANES) {   /* fixed widths, so each sum is a vector register */
                case 1: pattern_row(LANES, indptr[i], indptr[i + 1]); break;
                case 2: pattern_row(2 * LANES, indptr[i], indptr[i + 1]); break;
                case 3: pattern_row(3 * LANES, indptr[i], indptr[i + 1]); break;
                default: pattern_row(4 * LANES, indptr[i], indptr[i + 1]); break;
                }
                double *yi = y + i * batch + q;
                for (int64_t l = 0; l < width; l++) {
                    double x = acc[l] + di;
                    if (lr_p)
                        x += lr_p[i * batch + q + l] * dots[q + l];
                    yi[l] = fi * x;
                }
            }
        }
        activate(y, n * batch, act);
        leak_into(n, batch, y, leak, state);
        if (inh)
            for (int64_t k = 0; k < n_inh; k++) {
                double *w = data + inh[k] * batch;
                const double *ri = state + (int64_t)inh_row[k] * batch;
                const double *ti = target + (int64_t)inh_row[k] * batch;
                for (int64_t b = 0; b < batch; b++) {
                    const double v = w[b] - delta * (ri[b] - ti[b]);
                    w[b] = v < 0.0 ? v : 0.0;
                }
            }
        if (out)
            store_states(n, batch, used, state, out + t * st, sb);
    }
}
