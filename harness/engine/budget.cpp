// compute_reference: ref64's value of every graph value plus a per-element absolute error budget for an
// executor computing in float32, by forward error propagation through the graph. The model, each constant
// and why it is honest for any IEEE float32 implementation (any summation order, with or without FMA) is
// in docs/tolerances.md; comments here say which rule a line implements.
#include <cmath>
#include <limits>
#include <set>

#include "harness/catalog/attrs.h"
#include "harness/core/random.h"
#include "harness/engine/budget_rules.h"
#include "harness/engine/compare.h"
#include "oracles/ref/activation.h"
#include "oracles/ref/axis_groups.h"
#include "oracles/ref/ref_executor.h"

namespace parity {

namespace {

using TensorD = Tensor<double>;

constexpr BudgetU kEps{2};  // epsilon: spacing of floats at 1 (2 u); float32 unless budgeting for float16
constexpr BudgetU kU{1};    // unit roundoff u: the relative error of one correctly rounded op

// The precision of the compute_reference call running on this thread (budget_rules.h).
thread_local double tl_unit_roundoff = 0x1p-24;
thread_local double tl_min_normal = 0x1p-126;
thread_local double tl_overflow = 0x1p128 - 0x1p103;  // the smallest magnitude that rounds to infinity

TensorD map2(const TensorD& a, const TensorD& b, double (*f)(double, double)) {
  TensorD r(a.shape);
  for (int64_t i = 0; i < a.size(); ++i) r[i] = f(a[i], b[i]);
  return r;
}

bool all_zero(const TensorD& t) {
  for (double v : t.data)
    if (v != 0) return false;
  return true;
}

// A node's double kernel, run on replacement inputs, weights and attributes (abs values, perturbations).
struct NodeKernel {
  const Node& node;
  KernelFn<double> fn;
  std::vector<Shape> out_shapes;

  std::vector<TensorD> run(const json& attrs, const std::vector<const TensorD*>& ins, std::vector<TensorD> w) const {
    std::vector<Shape> in_shapes;
    for (const TensorD* t : ins) in_shapes.push_back(t->shape);
    NodeView view{node.name, node.op, attrs, in_shapes};
    std::vector<TensorD> outs;
    outs.reserve(out_shapes.size());
    for (const Shape& s : out_shapes)  // NaN-filled in one pass (no zeroing first)
      outs.emplace_back(s, std::vector<double>(static_cast<size_t>(num_elements(s)), std::numeric_limits<double>::quiet_NaN()));
    KernelArgs<double> args{view, ins, std::move(w), outs};
    fn(args);
    return outs;
  }
};

struct NodeCtx {
  const Node& n;
  const OpSpec& spec;
  NodeKernel kern;
  std::vector<const TensorD*> x;   // reference input values
  std::vector<const TensorD*> bx;  // their budgets
  std::vector<TensorD> w;          // weights as stored (float32-exact by the IR's contract)
  std::vector<const TensorD*> y;   // reference outputs
  int64_t K = 0;                   // declared accumulation length (0: none)
};

// |x| + s * b elementwise (s = 0: |x|); x + s * b when `keep_sign`.
TensorD shifted(const TensorD& x, const TensorD* b, double s, bool abs) {
  std::vector<double> r;  // written once (no zeroing first)
  r.reserve(x.data.size());
  for (int64_t i = 0; i < x.size(); ++i) r.push_back((abs ? std::fabs(x[i]) : x[i]) + (b ? s * (*b)[i] : 0.0));
  return TensorD(x.shape, std::move(r));
}

std::vector<const TensorD*> ptrs(const std::vector<TensorD>& v) {
  std::vector<const TensorD*> p;
  for (const TensorD& t : v) p.push_back(&t);
  return p;
}

// |f(perturbed) - y|, folded into `acc` by max. A non-finite difference with a finite y means a perturbation
// within the budgets reaches a pole or overflow: the element is unconstrained (+inf).
void fold_diff(TensorD& acc, const TensorD& f, const TensorD& y) {
  for (int64_t i = 0; i < y.size(); ++i) {
    double d = std::fabs(f[i] - y[i]);
    if (std::isnan(d)) d = std::isfinite(y[i]) ? std::numeric_limits<double>::infinity() : 0.0;
    if (!std::isfinite(y[i])) d = 0.0;  // non-finite references are judged by the NaN/Inf policy instead
    acc[i] = std::max(acc[i], d);
  }
}

json abs_json(const json& j) {
  if (j.is_number()) return std::fabs(j.get<double>());
  if (j.is_array()) {
    json r = json::array();
    for (const json& e : j) r.push_back(abs_json(e));
    return r;
  }
  return j;
}

// Attributes for the magnitude run of a multilinear op: constants made non-negative, activation removed.
json abs_attrs(const NodeCtx& c) {
  json a = c.n.attrs;
  if (a.contains("activation")) a["activation"] = "linear";
  for (const char* k : {"scale", "offset", "b"})
    if (a.contains(k)) a[k] = abs_json(a[k]);
  return a;
}

// Weights for the magnitude run: |w|, except that BatchNormalization's moving_mean (the TF batch norms'
// mean) is subtracted, so it is made -|mean| (then x - mean sums magnitudes), and its variance sits under a
// square root (kept as is).
std::vector<TensorD> abs_weights(const NodeCtx& c) {
  std::vector<TensorD> r;
  for (size_t i = 0; i < c.w.size(); ++i) {
    const std::string& name = c.n.weights[i].name;
    TensorD t = c.w[i];
    if (name == "moving_variance" || name == "variance") { r.push_back(t); continue; }
    const bool mean = name == "moving_mean" || name == "mean";
    for (double& v : t.data) v = mean ? -std::fabs(v) : std::fabs(v);
    r.push_back(std::move(t));
  }
  return r;
}

// Local rounding of an op whose declared accumulation sums K terms of total magnitude M: (K + 1) u M bounds
// any summation order of K products plus one bias, with or without FMA (Higham's gamma_{K+1}, first order).
// Applies from K = 1 on: a one-term dot product plus bias (Dense on one feature) still rounds twice and can
// cancel. Element-wise ops that declare K = 1 never call this.
double acc_term(int64_t K, double M) { return K >= 1 ? double(K + 1) * kU * M : 0.0; }

// Result of one multilinear step: pre-activation value and its budget.
struct Step {
  TensorD z, b;
};

// Multilinear ops (dense/conv/matmul/products/affine): magnitude and propagation both by the abs-kernel.
Step linear_step(const NodeCtx& c) {
  const json attrs = abs_attrs(c);
  std::vector<TensorD> ax;
  for (const TensorD* t : c.x) ax.push_back(shifted(*t, nullptr, 0, true));
  const TensorD M = c.kern.run(attrs, ptrs(ax), abs_weights(c)).at(0);
  Step s;
  if (c.n.attrs.contains("activation") && c.n.attrs.at("activation") != "linear") {
    json lin = c.n.attrs;
    lin["activation"] = "linear";
    s.z = c.kern.run(lin, c.x, c.w).at(0);
  } else {
    s.z = *c.y.at(0);
  }
  s.b = TensorD(s.z.shape);
  bool any = false;
  for (const TensorD* b : c.bx) any = any || !all_zero(*b);
  if (any) {
    // Propagated: f(|x| + b, |w|) - f(|x|, |w|) = sum |coefficient| * b exactly, for a multilinear f with
    // non-negative structure (first order; the second-order remainder only adds).
    std::vector<TensorD> axb;
    for (size_t i = 0; i < c.x.size(); ++i) axb.push_back(shifted(*c.x[i], c.bx[i], 1, true));
    const TensorD Mb = c.kern.run(attrs, ptrs(axb), abs_weights(c)).at(0);
    for (int64_t i = 0; i < s.b.size(); ++i) s.b[i] = Mb[i] - M[i];
  }
  for (int64_t i = 0; i < s.b.size(); ++i)
    s.b[i] += c.spec.tolerance.ulps * kEps * (std::fabs(s.z[i]) + s.b[i]) + acc_term(c.K, M[i]);
  return s;
}

// Monotone ops (selections, data movement, non-negative averages and sums): perturbing every input by +b
// (or -b) moves each output by exactly its worst first-order change. One budget per output (tf.split).
std::vector<TensorD> monotone_budgets(const NodeCtx& c) {
  std::vector<TensorD> b;
  for (const TensorD* y : c.y) b.emplace_back(y->shape);
  bool any = false;
  for (const TensorD* t : c.bx) any = any || !all_zero(*t);
  if (any)
    for (double s : {1.0, -1.0}) {
      std::vector<TensorD> xs;
      for (size_t i = 0; i < c.x.size(); ++i) xs.push_back(shifted(*c.x[i], c.bx[i], s, false));
      const std::vector<TensorD> f = c.kern.run(c.n.attrs, ptrs(xs), c.w);
      for (size_t o = 0; o < b.size(); ++o) fold_diff(b[o], f.at(o), *c.y[o]);
    }
  std::vector<TensorD> M;
  if (c.K >= 2) {
    std::vector<TensorD> ax;
    for (const TensorD* t : c.x) ax.push_back(shifted(*t, nullptr, 0, true));
    M = c.kern.run(c.n.attrs, ptrs(ax), c.w);
  }
  for (size_t o = 0; o < b.size(); ++o) {
    const TensorD& y = *c.y[o];
    for (int64_t i = 0; i < y.size(); ++i)
      b[o][i] += c.spec.tolerance.ulps * kEps * (std::fabs(y[i]) + b[o][i]) + (c.K >= 2 ? acc_term(c.K, M.at(o)[i]) : 0.0);
  }
  return b;
}

// Element-wise ops: each output depends on one element of each input, so trying every sign combination of
// the perturbed inputs gives the worst first-order change (and jumps of floor/sign/thresholds inside it).
// `f` evaluates the op on replacement inputs.
template <class F>
TensorD elementwise_prop(const std::vector<const TensorD*>& x, const std::vector<const TensorD*>& bx,
                         const TensorD& y, F f) {
  TensorD b(y.shape);
  std::vector<size_t> moving;
  for (size_t i = 0; i < x.size(); ++i)
    if (!all_zero(*bx[i])) moving.push_back(i);
  if (moving.empty()) return b;
  // More than 3 perturbed inputs do not occur in the catalog's element-wise ops (at most 2 operands);
  // beyond that only the two uniform signs are tried.
  const size_t combos = moving.size() <= 3 ? size_t(1) << moving.size() : 2;
  // Unperturbed inputs are passed as they are (no copy); only the moving ones get shifted tensors.
  std::vector<TensorD> shifted_x(moving.size());
  std::vector<const TensorD*> xs(x.begin(), x.end());
  for (size_t m = 0; m < combos; ++m) {
    for (size_t j = 0; j < moving.size(); ++j) {
      const double s = moving.size() <= 3 ? ((m >> j) & 1 ? -1.0 : 1.0) : (m ? -1.0 : 1.0);
      shifted_x[j] = shifted(*x[moving[j]], bx[moving[j]], s, false);
      xs[moving[j]] = &shifted_x[j];
    }
    fold_diff(b, f(xs), y);
  }
  return b;
}

// Softmax (or log-softmax) over `axes` of z: y, with z's budget bz. See docs/tolerances.md, "softmax".
TensorD softmax_budget(const TensorD& z, const TensorD& bz, const TensorD& y, const std::vector<int64_t>& axes,
                       bool log, double ulps, int64_t K) {
  const std::vector<int64_t> st = strides_of(z.shape);
  const int64_t n = z.size();
  std::vector<int64_t> key(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    int64_t k = i;
    for (int64_t ax : axes) k -= (i / st[ax]) % z.shape[ax] * st[ax];
    key[i] = k;
  }
  std::vector<double> zmax(n, -std::numeric_limits<double>::infinity()), pb(n, 0.0);
  for (int64_t i = 0; i < n; ++i) zmax[key[i]] = std::max(zmax[key[i]], z[i]);
  for (int64_t i = 0; i < n; ++i) pb[key[i]] += (log ? std::exp(y[i]) : y[i]) * bz[i];  // sum_j p_j b_j
  TensorD b(z.shape);
  for (int64_t i = 0; i < n; ++i) {
    const double m = zmax[key[i]];
    if (log) {
      // d y_i / d z_j = delta_ij - p_j; rounding: (z - m), log of a K-term positive sum (K u), lse = m + log s.
      b[i] = (bz[i] + pb[key[i]]) + kEps * (ulps * std::fabs(y[i]) + double(K) + std::fabs(m));
    } else {
      // d y_i / d z_j = y_i (delta_ij - y_j); rounding relative to y: exp of an argument off by
      // u (|z| + |m|), the K-term positive sum, the division.
      b[i] = y[i] * (bz[i] + pb[key[i]]) +
             kEps * std::fabs(y[i]) * (ulps + double(K) + std::fabs(z[i]) + std::fabs(m));
    }
  }
  return b;
}

std::vector<int64_t> parse_axes(const json& a, int64_t rank) {
  std::vector<int64_t> ax;
  if (a.is_array()) for (const json& e : a) ax.push_back(e.get<int64_t>());
  else ax.push_back(a.get<int64_t>());
  for (int64_t& v : ax) if (v < 0) v += rank;
  std::set<int64_t> s(ax.begin(), ax.end());
  return {s.begin(), s.end()};
}

// An activation applied to z (budget bz) giving y: softmax family analytically, else element-wise.
TensorD activation_budget(const Catalog& cat, const std::string& act, const TensorD& z, const TensorD& bz,
                          const TensorD& y) {
  const OpSpec& spec = cat.at("Activation");
  if (act == "softmax" || act == "log_softmax")
    return softmax_budget(z, bz, y, {z.rank() - 1}, act == "log_softmax", spec.tolerance.ulps, z.shape.back());
  TensorD b = elementwise_prop({&z}, {&bz}, y, [&](const std::vector<const TensorD*>& xs) {
    TensorD t = *xs[0];
    apply_activation(act, t);
    return t;
  });
  for (int64_t i = 0; i < y.size(); ++i)
    b[i] += spec.tolerance.ulps * kEps * (std::fabs(y[i]) + activation_abs_scale(act, z[i]));
  return b;
}

// LayerNormalization, analytically (docs/tolerances.md, "layer normalization").
TensorD layer_norm_budget(const NodeCtx& c) {
  const TensorD& x = *c.x[0];
  const TensorD& bx = *c.bx[0];
  const TensorD& y = *c.y[0];
  const std::vector<int64_t> ax = parse_axes(c.n.attrs.at("axis"), x.rank());
  std::vector<bool> normed(x.shape.size(), false);
  for (int64_t d : ax) normed[d] = true;
  const int64_t n = x.size();
  const AxisGroups ag = axis_groups(x.shape, normed);
  const int64_t groups = ag.groups, k = ag.size;
  const std::vector<int64_t>& grp = ag.group;
  const std::vector<int64_t>& pos = ag.pos;
  std::vector<double> mean(groups, 0), var(groups, 0), mabs(groups, 0), msq(groups, 0), mb(groups, 0), mxb(groups, 0);
  for (int64_t i = 0; i < n; ++i) mean[grp[i]] += x[i] / double(k);
  for (int64_t i = 0; i < n; ++i) {
    const double d = x[i] - mean[grp[i]];
    var[grp[i]] += d * d / double(k);
    mabs[grp[i]] += std::fabs(x[i]) / double(k);
    msq[grp[i]] += x[i] * x[i] / double(k);
  }
  const double e = static_cast<float>(attr_float(NodeView{c.n.name, c.n.op, c.n.attrs, {}}, "epsilon"));
  std::vector<double> r(groups);
  for (int64_t g = 0; g < groups; ++g) r[g] = 1.0 / std::sqrt(var[g] + e);
  for (int64_t i = 0; i < n; ++i) {
    mb[grp[i]] += bx[i] / double(k);
    mxb[grp[i]] += std::fabs((x[i] - mean[grp[i]]) * r[grp[i]]) * bx[i] / double(k);
  }
  const bool scale = attr_bool(NodeView{c.n.name, c.n.op, c.n.attrs, {}}, "scale");
  const bool center = attr_bool(NodeView{c.n.name, c.n.op, c.n.attrs, {}}, "center");
  TensorD b(y.shape);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t g = grp[i];
    const double gam = scale ? std::fabs(c.w[0][pos[i]]) : 1.0;
    const double bet = center ? std::fabs(c.w[scale ? 1 : 0][pos[i]]) : 0.0;
    const double xh = (x[i] - mean[g]) * r[g];
    // Propagated through the normalization's Jacobian gamma r (I - 1/K - xh xh^T / K), bounded row-wise.
    const double prop = gam * r[g] * (bx[i] + mb[g] + std::fabs(xh) * mxb[g]);
    // Local: the mean's K-term sum (error K u mean|x|, scaled by gamma r), the variance's K-term sum of
    // squares (relative K u of E[x^2], one-pass or two-pass, entering through r^3 / 2), then the few rounded
    // operations per element relative to the magnitudes of the final affine map.
    const double local = double(c.K + 1) * kU * gam * r[g] * (mabs[g] + std::fabs(x[i] - mean[g]) * msq[g] * r[g] * r[g] / 2) +
                         c.spec.tolerance.ulps * kEps * (gam * std::fabs(xh) + bet);
    b[i] = prop + local;
  }
  return b;
}

// tf.math.l2_normalize, y = x / n with n = sqrt(max(S, eps)), S = sum x^2 over the group, analytically.
// First order through the Jacobian: dy_i = dx_i / n - x_i / n^3 sum_j x_j dx_j (the second term only where
// S > eps; both where S is within the budget of eps), so |dy_i| <= (b_i + |y_i| sum_j |y_j| b_j) / n. Local
// rounding: S's K-term sum of squares (relative (K + 1) u, halved by the square root), rsqrt and the product
// (`ulps`), all relative to |y_i|.
TensorD l2_normalize_budget(const NodeCtx& c) {
  const TensorD& x = *c.x[0];
  const TensorD& bx = *c.bx[0];
  const TensorD& y = *c.y[0];
  std::vector<bool> normed(x.shape.size(), false);
  for (int64_t d : parse_axes(c.n.attrs.at("axis"), x.rank())) normed[d] = true;
  const AxisGroups ag = axis_groups(x.shape, normed);
  const double eps = static_cast<float>(attr_float(NodeView{c.n.name, c.n.op, c.n.attrs, {}}, "epsilon"));
  // Per group, over the inputs' budget intervals: the largest sum of squares, the smallest norm, and
  // sum_j |x_j|max b_j (|x|max = |x| + b). Evaluating the Jacobian bound at those extremes keeps it valid
  // for budgets that are not small against x.
  std::vector<double> s_hi(ag.groups, 0), s_lo(ag.groups, 0), cross(ag.groups, 0);
  for (int64_t i = 0; i < x.size(); ++i) {
    const int64_t g = ag.group[i];
    const double hi = std::fabs(x[i]) + bx[i], lo = std::max(0.0, std::fabs(x[i]) - bx[i]);
    s_hi[g] += hi * hi;
    s_lo[g] += lo * lo;
    cross[g] += hi * bx[i];
  }
  TensorD b(y.shape);
  for (int64_t i = 0; i < x.size(); ++i) {
    const int64_t g = ag.group[i];
    const double n_lo = std::sqrt(std::max(s_lo[g], eps));
    const double hi = std::fabs(x[i]) + bx[i];
    // The norm's own change matters only where the sum of squares can exceed eps (else n = sqrt(eps)).
    const double prop = bx[i] / n_lo + (s_hi[g] > eps ? hi * cross[g] / (n_lo * n_lo * n_lo) : 0.0);
    const double local = (double(c.K + 1) / 2 * kU + c.spec.tolerance.ulps * kEps) * (std::fabs(y[i]) + prop);
    b[i] = prop + local;
  }
  return b;
}

// Dot with normalize=true: |d(a^ . b^)| <= ||da|| / ||a|| + ||db|| / ||b|| (Cauchy-Schwarz, first order).
TensorD dot_normalize_budget(const NodeCtx& c) {
  json lin = c.n.attrs;
  lin["normalize"] = false;
  auto sq = [](const TensorD& t) { return map2(t, t, [](double p, double q) { return p * q; }); };
  auto ones = [](const TensorD& t) { TensorD o(t.shape); std::fill(o.data.begin(), o.data.end(), 1.0); return o; };
  const TensorD &a = *c.x[0], &bb = *c.x[1];
  const TensorD oa = ones(a), ob = ones(bb);
  const TensorD a2 = sq(a), b2 = sq(bb), ba2 = sq(*c.bx[0]), bb2 = sq(*c.bx[1]);
  const TensorD na = c.kern.run(lin, {&a2, &ob}, {}).at(0), nb = c.kern.run(lin, {&oa, &b2}, {}).at(0);
  const TensorD ea = c.kern.run(lin, {&ba2, &ob}, {}).at(0), eb = c.kern.run(lin, {&oa, &bb2}, {}).at(0);
  const TensorD aa = shifted(a, nullptr, 0, true), ab = shifted(bb, nullptr, 0, true);
  const TensorD M = c.kern.run(c.n.attrs, {&aa, &ab}, {}).at(0);  // sum |a^_k b^_k|
  const TensorD& y = *c.y[0];
  TensorD b(y.shape);
  for (int64_t i = 0; i < y.size(); ++i)
    b[i] = std::sqrt(ea[i] / std::max(na[i], 1e-12)) + std::sqrt(eb[i] / std::max(nb[i], 1e-12)) +
           c.spec.tolerance.ulps * kEps * std::fabs(y[i]) + acc_term(c.K, M[i]);
  return b;
}

// Ops the catalog does not classify yet: random-sign perturbations (8 draws), scaled by 3 for the gap
// between their root-sum-square response and the worst case. Not a proven bound; test_compare asserts no
// catalog op lands here, so a new op forces a decision (docs/tolerances.md).
TensorD fallback_budget(const NodeCtx& c) {
  const TensorD& y = *c.y[0];
  TensorD b(y.shape);
  Rng rng(0x9e3779b97f4a7c15ULL);
  for (int r = 0; r < 8; ++r) {
    std::vector<TensorD> xs;
    for (size_t i = 0; i < c.x.size(); ++i) {
      TensorD t = *c.x[i];
      for (int64_t e = 0; e < t.size(); ++e) t[e] += (rng.next() & 1 ? 1.0 : -1.0) * (*c.bx[i])[e];
      xs.push_back(std::move(t));
    }
    fold_diff(b, c.kern.run(c.n.attrs, ptrs(xs), c.w).at(0), y);
  }
  std::vector<TensorD> ax;
  for (const TensorD* t : c.x) ax.push_back(shifted(*t, nullptr, 0, true));
  const TensorD M = c.kern.run(c.n.attrs, ptrs(ax), c.w).at(0);
  for (int64_t i = 0; i < y.size(); ++i)
    b[i] = 3 * b[i] + c.spec.tolerance.ulps * kEps * std::fabs(y[i]) + acc_term(std::max<int64_t>(c.K, 2), std::fabs(M[i]));
  return b;
}

// ErrorRule::Index: outputs that are positions of selected elements, or built from positions. A position is
// exact unless an input budget lets a rival take the selected element's place; then it may be any such rival,
// and the budget is the largest index distance to one (an executor returning another rival is honest).
// Rivals need a positive-width overlap: exact ties (zero budgets) keep TF's rule (the lower index).
std::vector<TensorD> index_budgets(const NodeCtx& c) {
  const TensorD& x = *c.x[0];
  const TensorD& bx = *c.bx[0];
  const NodeView view{c.n.name, c.n.op, c.n.attrs, {}};
  auto rival = [](double lo_j, double hi_j, double lo, double hi, bool width) {
    return width && hi_j >= lo && lo_j <= hi;
  };
  if (c.n.op == "tf.math.argmax" || c.n.op == "tf.math.argmin") {
    const bool is_max = c.n.op == "tf.math.argmax";
    int64_t axis = attr_int(view, "axis");
    if (axis < 0) axis += x.rank();
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= x.shape[d];
    for (int64_t d = axis + 1; d < x.rank(); ++d) inner *= x.shape[d];
    const int64_t n = x.shape[axis];
    const TensorD& y = *c.y[0];
    TensorD b(y.shape);
    for (int64_t i = 0; i < outer; ++i)
      for (int64_t k = 0; k < inner; ++k) {
        const int64_t o = i * inner + k, sel = static_cast<int64_t>(y[o]);
        const int64_t s = (i * n + sel) * inner + k;
        if (std::isnan(x[s])) continue;  // nothing selected (all NaN): a NaN budget is the NaN policy's business
        // The selected value can sink to x_s - b_s (argmax); a rival that can rise to it may win.
        for (int64_t j = 0; j < n; ++j) {
          const int64_t e = (i * n + j) * inner + k;
          const bool width = bx[e] + bx[s] > 0;
          const bool r = is_max ? rival(x[e] - bx[e], x[e] + bx[e], x[s] - bx[s], 1e308, width)
                                : rival(x[e] - bx[e], x[e] + bx[e], -1e308, x[s] + bx[s], width);
          if (j != sel && r) b[o] = std::max(b[o], static_cast<double>(std::llabs(j - sel)));
        }
      }
    return {b};
  }
  if (c.n.op == "tf.math.top_k") {
    // Values: the i-th largest is non-decreasing in every input (monotone): f(x +- b).
    const TensorD& vals = *c.y[0];
    const TensorD& idx = *c.y[1];
    TensorD bv(vals.shape), bi(idx.shape);
    const TensorD xp = shifted(x, &bx, 1, false), xm = shifted(x, &bx, -1, false);
    const TensorD hi = c.kern.run(c.n.attrs, {&xp}, {}).at(0);
    const TensorD lo = c.kern.run(c.n.attrs, {&xm}, {}).at(0);
    fold_diff(bv, hi, vals);
    fold_diff(bv, lo, vals);
    // Indices: any element whose interval meets the range [lo_i, hi_i] the i-th largest may take.
    const int64_t n = x.shape.back(), k = vals.shape.back(), rows = k ? vals.size() / k : 0;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t i = 0; i < k; ++i) {
        const int64_t o = r * k + i, sel = static_cast<int64_t>(idx[o]);
        for (int64_t j = 0; j < n; ++j) {
          const int64_t e = r * n + j;
          if (j != sel && rival(x[e] - bx[e], x[e] + bx[e], lo[o], hi[o], bx[e] > 0 || hi[o] > lo[o]))
            bi[o] = std::max(bi[o], static_cast<double>(std::llabs(j - sel)));
        }
      }
    return {bv, bi};
  }
  if (c.n.op == "tf.one_hot") {
    // An index that may move by up to b (an integer budget from upstream) may light any position within b.
    const TensorD& y = *c.y[0];
    TensorD b(y.shape);
    const int64_t depth = attr_int(view, "depth");
    int64_t axis = attr_int(view, "axis");
    if (axis < 0) axis += y.rank();
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= y.shape[d];
    for (int64_t d = axis + 1; d < y.rank(); ++d) inner *= y.shape[d];
    const double jump = std::fabs(static_cast<float>(attr_float(view, "on_value")) -
                                  static_cast<float>(attr_float(view, "off_value")));
    for (int64_t i = 0; i < outer; ++i)
      for (int64_t k = 0; k < inner; ++k) {
        const double id = x[i * inner + k], bid = bx[i * inner + k];
        if (bid == 0) continue;
        for (int64_t j = 0; j < depth; ++j)
          if (std::fabs(static_cast<double>(j) - id) <= bid) b[(i * depth + j) * inner + k] = jump;
      }
    return {b};
  }
  fail("node '{}' ({}): the index error rule does not know this op", c.n.name, c.n.op);
}

// NaN budgets cannot be compared: with a finite reference they mean "unconstrained" (+inf).
void sanitize(TensorD& b, const TensorD& y) {
  for (int64_t i = 0; i < b.size(); ++i)
    if (std::isnan(b[i])) b[i] = std::isfinite(y[i]) ? std::numeric_limits<double>::infinity() : 0.0;
}

}  // namespace

double budget_unit_roundoff() { return tl_unit_roundoff; }
double budget_min_normal() { return tl_min_normal; }

Reference compute_reference(const Graph& g, const Catalog& c, const KernelTable& k,
                            const std::vector<Tensor<double>>& inputs, DType dtype) {
  if (dtype != DType::F32 && dtype != DType::F16) fail("error budgets are defined for float32 and float16 executors only");
  // float16 (WebGL with half-float textures): the same rules with u = 2^-11 and float16's normal range.
  struct Precision {
    double u, n, o;
    explicit Precision(DType d) : u(tl_unit_roundoff), n(tl_min_normal), o(tl_overflow) {
      tl_unit_roundoff = d == DType::F16 ? 0x1p-11 : 0x1p-24;
      tl_min_normal = d == DType::F16 ? 0x1p-14 : 0x1p-126;
      tl_overflow = d == DType::F16 ? 65520.0 : 0x1p128 - 0x1p103;  // max finite + half its ulp
    }
    ~Precision() { tl_unit_roundoff = u, tl_min_normal = n, tl_overflow = o; }
  } precision(dtype);
  Ref64Executor ref(c, k);
  RunResult rr = ref.run(g, inputs, RunOptions{.want_intermediates = true});
  Reference R;
  R.values = std::move(rr.intermediates);
  R.precision = dtype;
  // Graph inputs: the executor receives them rounded to float32 (float16: stored in half-float textures); the
  // budget is that exact rounding error.
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const TensorD& x = R.values.at(g.inputs[i]);
    TensorD b(x.shape);
    for (int64_t e = 0; e < x.size(); ++e)
      b[e] = std::isfinite(x[e]) ? std::fabs(x[e] - round_to_precision(x[e], dtype)) : 0.0;
    R.budgets[g.inputs[i]] = std::move(b);
  }
  for (const Node& n : g.nodes) {
    if (n.op == "InputLayer") continue;
    NodeCtx ctx{n, c.at(n.op), NodeKernel{n, k.at(n.op).f64, {}}, {}, {}, {}, {}, 0};
    for (ValueId v : n.inputs) {
      ctx.x.push_back(&R.values.at(v));
      ctx.bx.push_back(&R.budgets.at(v));
    }
    for (ValueId v : n.outputs) {
      ctx.y.push_back(&R.values.at(v));
      ctx.kern.out_shapes.push_back(R.values.at(v).shape);
    }
    for (const Weight& w : n.weights) ctx.w.emplace_back(w.shape, w.data);
    std::vector<Shape> in_shapes;
    for (const TensorD* t : ctx.x) in_shapes.push_back(t->shape);
    if (ctx.spec.tolerance.accumulation) ctx.K = ctx.spec.tolerance.accumulation(g.view(n, in_shapes));
    // The last step of every rule: no NaN or negative budget, and room for a flushed subnormal.
    auto finish = [&](TensorD& b, size_t o) {
      sanitize(b, *ctx.y[o]);
      // Flush-to-zero: TF runs its CPU kernels with denormals flushed (port::ScopedFlushDenormal in its thread
      // pools), as XNNPACK and GPUs may, so a subnormal result may come back as 0: allow exactly that distance.
      // It reaches later ops through propagation (sign(x*x) for a tiny x is 0 under FTZ). An exact 0 gets
      // nothing: flushing never makes a 0 nonzero.
      // Overflow: where the value may reach the precision's infinity, the executor may hold inf there (exp(100)
      // in float32), and what follows from inf (sin(inf) is NaN) is no float32 error parity can bound.
      for (int64_t i = 0; i < b.size(); ++i) {
        const double yi = std::fabs((*ctx.y[o])[i]);
        if (yi > 0 && yi < tl_min_normal) b[i] += yi;
        if (std::isfinite(yi) && yi + b[i] >= tl_overflow) b[i] = std::numeric_limits<double>::infinity();
      }
      R.budgets[n.outputs.at(o)] = std::move(b);
    };
    if (budget_kind(ctx.spec, n.attrs) == BudgetKind::Recurrent) {  // every output (return_state, merge None)
      const auto m = n.inputs.empty() ? rr.masks.end() : rr.masks.find(n.inputs[0]);  // Keras mask (masks.h)
      std::vector<TensorD> bs = recurrent_budgets(n, c, ctx.x, ctx.bx, ctx.w, ctx.y, m == rr.masks.end() ? nullptr : &m->second);
      for (size_t o = 0; o < bs.size(); ++o) finish(bs[o], o);
      continue;
    }
    if (budget_kind(ctx.spec, n.attrs) == BudgetKind::Monotone && n.outputs.size() > 1) {  // tf.split, tf.unstack
      std::vector<TensorD> bs = monotone_budgets(ctx);
      for (size_t o = 0; o < bs.size(); ++o) finish(bs[o], o);
      continue;
    }
    if (budget_kind(ctx.spec, n.attrs) == BudgetKind::Index) {  // every output (top_k: values and indices)
      std::vector<TensorD> bs = index_budgets(ctx);
      for (size_t o = 0; o < bs.size(); ++o) finish(bs[o], o);
      continue;
    }
    TensorD b;
    const std::string act = n.attrs.contains("activation") ? n.attrs.at("activation").get<std::string>() : "";
    switch (budget_kind(ctx.spec, n.attrs)) {
      case BudgetKind::Linear: {
        Step s = linear_step(ctx);
        b = act.empty() || act == "linear" ? std::move(s.b) : activation_budget(c, act, s.z, s.b, *ctx.y[0]);
        // A square below the smallest normal may be flushed (x = 1e-30: x^2 is 0 in float32), so the sum of K
        // squares may lose up to K of them, and its square root sqrt(K min_normal) (seed 6, case 7568).
        if (ctx.spec.tolerance.squares_may_flush)
          for (int64_t i = 0; i < b.size(); ++i) b[i] += std::sqrt(double(std::max<int64_t>(ctx.K, 1)) * tl_min_normal);
        break;
      }
      case BudgetKind::Monotone: b = std::move(monotone_budgets(ctx).at(0)); break;
      case BudgetKind::Elementwise: {
        const NodeKernel& kern = ctx.kern;
        b = elementwise_prop(ctx.x, ctx.bx, *ctx.y[0], [&](const std::vector<const TensorD*>& xs) {
          return kern.run(n.attrs, xs, ctx.w).at(0);
        });
        const Tolerance& tol = ctx.spec.tolerance;
        // x == y (and !=) jumps on a single point, which evaluating at x +- b almost never hits (1 - 1e-16 +- b
        // is never 1): the operands may compare equal where x >= y or x <= y may flip, so those kernels (its
        // jump_witnesses, same attributes: comparison() in harness/ops/tf_logic.cpp) are evaluated too.
        for (const std::string& side : tol.jump_witnesses) {
          const NodeKernel other{n, k.at(side).f64, ctx.kern.out_shapes};
          auto f = [&](const std::vector<const TensorD*>& xs) { return other.run(n.attrs, xs, ctx.w).at(0); };
          const TensorD bo = elementwise_prop(ctx.x, ctx.bx, f(ctx.x), f);
          for (int64_t i = 0; i < b.size(); ++i) b[i] = std::max(b[i], bo[i]);
        }
        // sin and cos are not monotone between x - b and x + b, so a peak inside the interval is missed by its
        // ends (sin(exp(x)) with exp's budget in the thousands: seed 2, case 11993): their slope is at most 1 and
        // their range 2, so min(b, 2) bounds the change. tan is monotone between its poles: a pole inside the
        // interval allows anything.
        if (tol.range_bound > 0 || tol.pole_period > 0) {
          const TensorD& x0 = *ctx.x[0];
          const TensorD& bx0 = *ctx.bx[0];
          for (int64_t i = 0; i < b.size(); ++i) {
            if (tol.range_bound > 0) b[i] = std::max(b[i], std::min(tol.slope_bound * bx0[i], tol.range_bound));
            if (tol.pole_period > 0 && bx0[i] > 0 && std::isfinite(x0[i]) &&
                std::floor((x0[i] - bx0[i]) / tol.pole_period - tol.pole_offset / tol.pole_period) !=
                    std::floor((x0[i] + bx0[i]) / tol.pole_period - tol.pole_offset / tol.pole_period))
              b[i] = std::numeric_limits<double>::infinity();
          }
        }
        const TensorD& x0 = *ctx.x[0];
        const TensorD& y = *ctx.y[0];
        const double scale = tol.abs_scale ? tol.abs_scale(n.attrs) : 0.0;
        // The op's own rounding is relative to the value the executor actually rounds, which may lie anywhere
        // within the propagated error of y (a legitimate jump upstream, e.g. floor(1 - 1e-24) vs floor(1f),
        // moves it far from y): |y| + propagated, in this rule and the linear and monotone ones.
        for (int64_t i = 0; i < y.size(); ++i) {
          const double xi = x0.size() == y.size() ? x0[i] : 0.0;
          const double s = tol.abs_scale_times_abs_x ? scale * std::fabs(xi) : scale;
          b[i] += tol.ulps * kEps * (std::fabs(y[i]) + b[i] + s);
        }
        break;
      }
      case BudgetKind::Activation: b = activation_budget(c, act, *ctx.x[0], *ctx.bx[0], *ctx.y[0]); break;
      case BudgetKind::Softmax: {
        const TensorD& x = *ctx.x[0];
        b = softmax_budget(x, *ctx.bx[0], *ctx.y[0], parse_axes(n.attrs.at("axis"), x.rank()), ctx.spec.tf_op == "LogSoftmax",
                           ctx.spec.tolerance.ulps, ctx.K);
        break;
      }
      case BudgetKind::LayerNorm: b = layer_norm_budget(ctx); break;
      case BudgetKind::L2Normalize: b = l2_normalize_budget(ctx); break;
      case BudgetKind::DotNormalize: b = dot_normalize_budget(ctx); break;
      case BudgetKind::Fallback: b = fallback_budget(ctx); break;
      case BudgetKind::Recurrent:
      case BudgetKind::Index: break;  // handled above
    }
    finish(b, 0);
    // Only the recurrent and index rules (above) cover several outputs; another multi-output op needs its own rule
    // rather than a silent zero budget.
    if (n.outputs.size() > 1) fail("node '{}': error budgets for multi-output ops are not defined", n.name);
  }
  return R;
}

}  // namespace parity
