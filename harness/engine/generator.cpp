// The case generator: a RapidCheck recipe (harness/engine/recipe.h) turned into a valid graph by a
// deterministic builder that never fails, so RapidCheck's shrinks of the recipe are the case shrinker.
// Design and measured sizes: docs/generator.md.
#include "harness/engine/generator.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "harness/catalog/attrs.h"
#include "harness/engine/recipe.h"
#include "harness/ops/gen_choice.h"
#include "oracles/executor.h"
#include "oracles/ref/masks.h"

namespace parity {

using recipe::NodeRecipe;
using recipe::Recipe;

namespace {

constexpr int kAttempts = 8;           // deterministic retries of one node choice before it is skipped
constexpr double kMaxMagnitude = 1e6;  // bound on |value| anywhere in the graph (see magnitude())
constexpr double kInputMagnitude = 4;  // every op domain lies within [-4, 4]

uint64_t mix(uint64_t a, uint64_t b) {  // splitmix64 of a combination: retry variations of a pick
  uint64_t z = a + 0x9e3779b97f4a7c15ull * (b + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// Keras' default layer names: CamelCase to snake_case (Conv2D -> conv2d, ReLU -> re_lu).
std::string snake(const std::string& name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    const char ch = name[i];
    const bool upper = std::isupper(static_cast<unsigned char>(ch)) != 0;
    const bool prev_lower = i > 0 && std::islower(static_cast<unsigned char>(name[i - 1]));
    const bool next_lower = i + 1 < name.size() && std::islower(static_cast<unsigned char>(name[i + 1]));
    if (upper && i > 0 && (prev_lower || next_lower) && out.back() != '_') out += '_';
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  return out;
}

// Ops whose domain does not hold [-1, 1] (sqrt, log, reciprocal, truediv, pow, ...) read graph inputs only:
// an intermediate value could leave their domain and give NaN.
bool restricted(const OpSpec& op) { return op.domain.lo > -1 || op.domain.hi < 1; }

double exp_bound(double m) {  // >= e^m by repeated multiplication (no libm: identical on every machine)
  if (m > 14) return 1e300;
  double b = 1;
  for (int i = 0; i < static_cast<int>(m) + 1; ++i) b *= 2.7182818284590452;
  return b;
}

// A conservative bound on |output| from bounds on |inputs|, used to keep every value finite (no inf, so
// no NaN from inf - inf): weights lie in [-1, 1] (gamma up to 1.5, moving_variance >= 0.1), constants in
// [-4, 4], restricted ops read inputs within their domains.
double magnitude(const OpSpec& op, const json& attrs, const std::vector<double>& in, int64_t k) {
  double m = 0, sum = 0, prod = 1;
  for (double v : in) {
    m = std::max(m, v);
    sum += v;
    prod *= v;
  }
  const double kd = static_cast<double>(std::max<int64_t>(k, 1));
  const std::string& n = op.name;
  static const std::set<std::string> unit = {"Softmax", "tf.math.sigmoid", "tf.math.tanh", "tf.math.erf",
                                             "tf.math.sin", "tf.math.cos", "tf.math.sign", "tf.clip_by_value"};
  static const std::set<std::string> weighted = {"Dense", "Conv1D", "Conv2D", "DepthwiseConv2D", "SeparableConv2D",
                                                 "Conv2DTranspose"};
  if (unit.count(n)) return 1;
  if (restricted(op)) return 16;  // 1/0.25, 2/0.25, 0.25^-1.5, log(0.1), ... all below 16
  if (n == "tf.math.exp") return exp_bound(m);
  if (n == "tf.math.square") return m * m;
  if (n == "Activation") {
    const std::string a = attrs.value("activation", "linear");
    if (a == "exponential") return exp_bound(m);
    if (a == "softmax" || a == "sigmoid" || a == "tanh" || a == "hard_sigmoid" || a == "softsign") return 1;
    return 1.1 * m + 1;  // selu scales by 1.05, softplus adds log 2
  }
  if (weighted.count(n)) return m * kd + 1;
  if (n == "tf.linalg.matmul") return (in.size() == 2 ? prod : 2 * m) * kd;
  if (n == "Dot") return attrs.value("normalize", false) ? 1 : prod * kd;
  if (n == "BatchNormalization") return (m + 1) * 4.75 + 1;  // 1.5 / sqrt(0.1) < 4.75
  if (n == "LayerNormalization") return 1.5 * std::sqrt(kd) + 1;
  if (n == "Rescaling") return 2 * m + 1;
  if (n == "ELU") return m + 2;
  if (n == "Add" || n == "Subtract" || n == "tf.math.reduce_sum") return n == "tf.math.reduce_sum" ? m * kd : sum;
  if (n == "Multiply") return prod;
  if (n == "tf.math.add" || n == "tf.math.subtract") return in.size() == 2 ? sum : m + 2;
  if (n == "tf.math.multiply") return in.size() == 2 ? prod : 2 * m;
  if (n == "tf.math.maximum" || n == "tf.math.minimum") return std::max(m, 2.0);
  if (n == "tf.math.floor" || n == "tf.math.ceil" || n == "tf.math.round") return m + 1;
  // bool results (0/1) and one_hot's float32 on/off values (|v| <= 2 in `gen`); positions are bounded in
  // Placed by the input's largest dim (see Builder::infer).
  static const std::set<std::string> boolean = {
      "tf.math.equal", "tf.math.not_equal", "tf.math.greater", "tf.math.greater_equal", "tf.math.less",
      "tf.math.less_equal", "tf.math.logical_and", "tf.math.logical_or", "tf.math.logical_not",
      "tf.math.logical_xor", "tf.math.is_nan", "tf.math.is_inf", "tf.math.is_finite", "tf.math.reduce_any",
      "tf.math.reduce_all"};
  if (boolean.count(n)) return 1;
  if (n == "tf.one_hot") return 2;
  if (n == "tf.cast") return std::max(m, 1.0);
  return m;  // selection, averaging, data movement, identities: no growth
}

int64_t flops_of(const Catalog& c, const NodeView& v, const Shape& out, int64_t batch) {
  const OpSpec& op = c.at(v.op);
  const int64_t elems = num_elements(with_batch(out, batch));
  if (!op.tolerance.accumulation) return elems;
  return elems * 2 * std::max<int64_t>(1, op.tolerance.accumulation(v));
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
struct CaseGenerator::Impl {
  const Catalog& c;
  GenConfig cfg;
  std::vector<const OpSpec*> layer_ops, tf_ops;
  rc::Gen<Recipe> gen;

  Impl(const Catalog& cat, GenConfig config) : c(cat), cfg(std::move(config)), gen(recipe::recipe_gen(cfg)) {}
  GeneratedCase build(const Recipe& r, uint64_t seed, uint64_t index, Recipe* pinned = nullptr) const;
  rc::Shrinkable<Recipe> tree(uint64_t seed, uint64_t index) const {
    // The key holds seed and index whole (no hash collisions between cases); the tag separates parity's
    // streams from any other use of rc::Random. Size ramps 0..99 over indices, small graphs first.
    const rc::Random random(rc::Random::Key{seed, index, 0x7061726974792d67ull, 0});
    return gen(random, static_cast<int>(index % 100));
  }
};

namespace {

// Builds one graph from a recipe. Values are identified by ValueId in a scratch graph; the final graph
// keeps only used inputs and gets Keras-style names.
class Builder {
 public:
  Builder(const Catalog& c, const GenConfig& cfg, const std::vector<const OpSpec*>& ops, const Recipe& r)
      : c_(c), cfg_(cfg), ops_(ops), r_(r), functional_(r.functional % 2 == 1),
        batch_(std::clamp<int64_t>(r.batch, 1, std::max<int64_t>(1, std::min<int64_t>(cfg.max_batch, cfg.max_elements)))) {}

  // The recipe that builds the same graph with every node taking its first attempt and its op pick as is
  // (skipped choices dropped, input shapes fixed). Removing a node from it changes nothing else, which
  // RapidCheck's shrinks cannot always do: there a node's op or an input's rank may depend on earlier nodes.
  Recipe pinned() const {
    Recipe p = r_;
    p.nodes = pinned_nodes_;
    for (size_t i = 0; i < p.inputs.size(); ++i)
      if (i < pinned_inputs_.size()) p.inputs[i].pinned = pinned_inputs_[i];
    return p;
  }

  Graph build(int& skipped) {
    add_inputs();
    int built = 0;
    for (const NodeRecipe& nr : r_.nodes) {
      if (op_nodes_ >= cfg_.max_nodes) break;  // feeders (see feed) count too
      if (add_node(nr)) ++built;
      else ++skipped;
    }
    if (built == 0 && !fallback()) fail("generator: no enabled op can be placed on input {}", shape_str(g_.values[0].shape));
    return finalize();
  }
  int64_t batch() const { return batch_; }

 private:
  struct Placed {
    const OpSpec* op;
    json attrs;
    NodeRecipe pin;  // the node choice that places this node at attempt 0
    std::vector<ValueId> inputs;
    std::vector<Shape> out;
    std::vector<DType> dtypes;  // of each output (the catalog's output_dtypes)
    double mag;
    int64_t flops;
    std::vector<WeightSpec> weights;  // the catalog's weight specs for this node (placeholders are made from them)
  };

  const OpSpec* op_of(const NodeRecipe& nr) const { return ops_[nr.op % ops_.size()]; }

  std::vector<int64_t> ranks_for(const OpSpec* op) const {
    std::vector<int64_t> ranks;
    for (int64_t rank = 2; rank <= 5; ++rank)
      if (!op || (rank >= op->min_rank && rank <= op->max_rank)) ranks.push_back(rank);
    if (ranks.empty()) ranks = {2, 3, 4, 5};
    return ranks;
  }

  // Input 0 takes a rank its first consumer accepts; input i > 0 copies input 0's shape, broadcasts
  // against it, or takes a rank node i's op accepts (so a later Conv2D finds a rank-4 value).
  void add_inputs() {
    const size_t count = functional_ ? r_.inputs.size() : 1;
    Shape first;
    for (size_t i = 0; i < count; ++i) {
      const recipe::InputRecipe& in = r_.inputs[i];
      Shape s{kBatch};
      const uint32_t relation = i == 0 ? 2 : in.relation % 4;
      if (!in.pinned.empty()) {
        s = in.pinned;
      } else if (relation == 0) {
        s = first;
      } else if (relation == 1) {
        s = first;
        for (size_t d = 1; d < s.size(); ++d)
          if (in.dims[(d - 1) % in.dims.size()] == 1) s[d] = 1;
      } else {
        const OpSpec* op = i < r_.nodes.size() ? op_of(r_.nodes[i]) : nullptr;
        const std::vector<int64_t> ranks = ranks_for(op);
        const int64_t rank = ranks[in.rank % ranks.size()];
        for (int64_t d = 1; d < rank; ++d) s.push_back(std::max<uint32_t>(1, in.dims[d - 1]));
      }
      // Shrink the largest dim until the input fits: max_elements, and max_flops too, as every op costs at
      // least one FLOP per output element (an input over the FLOP budget would leave no op that fits).
      const int64_t cap = std::min(cfg_.max_elements, cfg_.max_flops);
      while (num_elements(with_batch(s, batch_)) > cap) {
        auto it = std::max_element(s.begin() + 1, s.end());
        if (*it == 1) break;
        --*it;
      }
      if (i == 0) first = s;
      pinned_inputs_.push_back(s);
      track(g_.add_input(c_, fmt::format("in{}", i), s), kInputMagnitude);
    }
  }

  void track(ValueId v, double mag) {
    mag_.resize(g_.values.size());
    uses_.resize(g_.values.size());
    dom_.resize(g_.values.size(), Interval{-1e300, 1e300});
    mag_[v] = mag;
  }
  bool is_input(ValueId v) const { return g_.nodes[g_.values[v].producer].op == "InputLayer"; }

  // Input `slot` of `op` may read value v: its rank, its dtype (bool into logical ops, int32 into one_hot,
  // float into comparisons and everything else), and the domain of restricted ops.
  bool accepts(const OpSpec& op, ValueId v, size_t slot = 0) const {
    const auto rank = static_cast<int>(g_.values[v].shape.size());
    return rank >= op.min_rank && rank <= op.max_rank && accepts_dtype(op, slot, g_.values[v].dtype) &&
           (!restricted(op) || is_input(v)) && domain_ok(op, v);
  }
  // A graph input's random values come from the intersection of its consumers' domains (input_domain): an op
  // may read it only if that stays non-empty (acosh's [1.05, 4] and a comparison's [-1, 1] do not meet).
  bool domain_ok(const OpSpec& op, ValueId v) const {
    if (!is_input(v)) return true;
    const Interval& d = dom_.at(static_cast<size_t>(v));
    return std::max(d.lo, op.domain.lo) <= std::min(d.hi, op.domain.hi);
  }
  // A Sequential chain takes single-input ops; Keras merge layers are Functional only.
  bool chain_ok(const OpSpec& op) const {
    return functional_ || (op.min_inputs <= 1 && !(op.family == Family::Layer && op.max_inputs > 1));
  }
  // Candidate values for an op's inputs, newest first; a chain may only continue from its last value.
  std::vector<ValueId> candidates(const OpSpec& op, size_t slot = 0) const {
    std::vector<ValueId> out;
    if (!chain_ok(op)) return out;
    if (!functional_) {
      const bool refused = slot == 0 && mask_rule(op) == MaskRule::Refuse && masked_values(g_, c_).at(last_);
      if (accepts(op, last_, slot) && !refused) out.push_back(last_);
      return out;
    }
    // Layers whose call() applies a Keras mask in a way parity does not model never take a masked value.
    std::vector<bool> masked;
    if (slot == 0 && mask_rule(op) == MaskRule::Refuse) masked = masked_values(g_, c_);
    for (ValueId v = static_cast<ValueId>(g_.values.size()) - 1; v >= 0; --v)
      if (accepts(op, v, slot) && (masked.empty() || !masked[static_cast<size_t>(v)])) out.push_back(v);
    return out;
  }

  int arity(const OpSpec& op, uint32_t pick) const {
    if (!functional_ || op.max_inputs == 1) return std::max(1, op.min_inputs);
    if (op.family == Family::TfOp && op.max_inputs == 2) return op.min_inputs + static_cast<int>(pick % 2);
    const int lo = std::max(2, op.min_inputs), hi = std::min(3, op.max_inputs);  // merges: mostly 2 inputs
    return pick % 4 == 3 ? hi : lo;
  }

  // The raw attributes: a `gen` draw per attribute, then gen_attrs' shape-dependent overrides.
  json attrs_for(const OpSpec& op, const json& base, const std::vector<ValueId>& inputs, uint64_t choice) const {
    json a = base;
    if (op.gen_attrs) {
      std::vector<Shape> shapes;
      for (ValueId v : inputs) shapes.push_back(g_.values[v].shape);
      json extra = op.gen_attrs(shapes, choice);
      if (extra.is_object())
        for (auto it = extra.begin(); it != extra.end(); ++it) a[it.key()] = it.value();
    }
    return a;
  }

  // Shape inference and weight schema on a candidate node; nullopt when the catalog rejects it.
  std::optional<Placed> infer(const OpSpec& op, const json& raw, const std::vector<ValueId>& inputs) const {
    try {
      static const std::string name = "candidate";
      Placed p{&op, normalize_attrs(op, name, raw, false), {}, inputs, {}, {}, 0, 0, {}};
      std::vector<Shape> shapes;
      for (ValueId v : inputs) shapes.push_back(g_.values[v].shape);
      const NodeView view{name, op.name, p.attrs, shapes};
      p.out = c_.infer(view);
      // Keras must be able to build the node with the masks its inputs carry (masks.h, output_mask_shapes):
      // merges and Concatenate that cannot combine them, a recurrent layer whose mask is not [N, T], raise.
      if (has_mask_source_) {
        const std::vector<std::optional<Shape>> masks = mask_shapes(g_, c_);
        std::vector<const Shape*> in_masks;
        for (ValueId v : inputs) in_masks.push_back(masks[static_cast<size_t>(v)] ? &*masks[static_cast<size_t>(v)] : nullptr);
        std::string raises;
        (void)output_mask_shapes(op, view, p.out.size(), in_masks, &raises);
        if (!raises.empty()) return std::nullopt;
      }
      p.dtypes = output_dtypes(op, view, p.out.size());
      int64_t biggest = 0;
      for (const Shape& s : p.out) {
        biggest = std::max(biggest, num_elements(with_batch(s, batch_)));
        p.flops += flops_of(c_, view, s, batch_);
      }
      p.weights = c_.weights(view);
      for (const WeightSpec& w : p.weights) biggest = std::max(biggest, num_elements(w.shape));
      if (biggest > cfg_.max_elements || flops_ + p.flops > cfg_.max_flops) return std::nullopt;
      std::vector<double> mags;
      for (ValueId v : inputs) mags.push_back(mag_[v]);
      const int64_t k = op.tolerance.accumulation ? op.tolerance.accumulation(view) : 1;
      p.mag = magnitude(op, p.attrs, mags, k);
      if (op.tolerance.rule == ErrorRule::Index && op.name != "tf.one_hot")  // positions: below the largest dim
        for (int64_t d : shapes[0]) p.mag = std::max(p.mag, static_cast<double>(d));
      if (!(p.mag <= kMaxMagnitude)) return std::nullopt;
      return p;
    } catch (const ParityError&) {
      return std::nullopt;
    }
  }

  // Attempt k of a node choice: attempt 0 uses the recipe's picks as they are (so shrinking a pick shows
  // directly); later attempts rotate the input candidates and redraw attributes from the choice.
  std::optional<Placed> attempt(const OpSpec& op, const NodeRecipe& nr, const std::vector<ValueId>& cands, int k) const {
    auto input_pick = [&](size_t slot) { return nr.inputs[slot % nr.inputs.size()] + static_cast<uint32_t>(k); };
    NodeRecipe pin = nr;
    pin.op = static_cast<uint32_t>(std::find(ops_.begin(), ops_.end(), &op) - ops_.begin());
    pin.arity = nr.arity + static_cast<uint32_t>(k);
    for (uint32_t& in : pin.inputs) in += static_cast<uint32_t>(k);
    json base = json::object();
    for (size_t j = 0; j < op.attrs.size(); ++j) {
      const AttrSpec& a = op.attrs[j];
      if (a.gen.empty()) continue;
      const uint64_t pick = k == 0 ? nr.attrs[j % nr.attrs.size()] : mix(nr.choice, 64 * k + j);
      base[a.name] = a.gen[pick % a.gen.size()];
      if (j < pin.attrs.size()) pin.attrs[j] = static_cast<uint32_t>(pick % a.gen.size());
    }
    const uint64_t choice = k == 0 ? nr.choice : mix(nr.choice, k);
    pin.choice = choice;
    // Half the picks continue from the newest value, so Functional graphs grow deep as well as wide.
    const uint32_t first = input_pick(0);
    std::vector<ValueId> inputs{cands[(first & 1) ? (first >> 1) % cands.size() : 0]};
    const int n = arity(op, nr.arity + static_cast<uint32_t>(k));
    std::optional<Placed> placed;  // the accepted trial with every input: what infer() on them would give again
    for (int m = 1; m < n; ++m) {
      // Other inputs: the first candidate (rotated by the pick) that shape inference accepts with the
      // inputs so far; values already used come last, so x + x happens only when nothing else fits.
      // Slot m's own candidates when its dtype differs from slot 0's (tf.where: a bool, then floats).
      const std::vector<ValueId> slot_cands = accepted_dtypes(op, m) == accepted_dtypes(op, 0) ? cands : candidates(op, m);
      if (slot_cands.empty()) return std::nullopt;
      std::vector<ValueId> order;
      const size_t start = input_pick(m) % slot_cands.size();
      for (size_t i = 0; i < slot_cands.size(); ++i) order.push_back(slot_cands[(start + i) % slot_cands.size()]);
      std::stable_partition(order.begin(), order.end(), [&](ValueId v) {
        return std::find(inputs.begin(), inputs.end(), v) == inputs.end();
      });
      bool found = false;
      if (m + 1 < op.min_inputs) {  // too few inputs yet for shape inference (tf.where's 3): take the first
        inputs.push_back(order.front());
        continue;
      }
      for (ValueId v : order) {
        std::vector<ValueId> trial = inputs;
        trial.push_back(v);
        if (auto p = infer(op, attrs_for(op, base, trial, choice), trial)) {
          inputs = std::move(trial);
          placed = std::move(p);
          found = true;
          break;
        }
      }
      if (!found) return std::nullopt;
    }
    if (n == 1) placed = infer(op, attrs_for(op, base, inputs, choice), inputs);
    if (placed) placed->pin = pin;
    return placed;
  }

  // Appends a node infer() has already checked (normalized attributes, inferred shapes, weight specs): the
  // same node Graph::add_node would make, without normalizing and inferring a second time.
  static std::vector<ValueId> append(Graph& g, std::string name, const std::string& op, const json& attrs,
                                     const std::vector<ValueId>& inputs, const std::vector<Shape>& out,
                                     const std::vector<DType>& dtypes, std::vector<Weight> weights) {
    Node n;
    n.name = std::move(name);
    n.op = op;
    n.attrs = attrs;
    n.inputs = inputs;
    n.weights = std::move(weights);
    const int node_index = static_cast<int>(g.nodes.size());
    for (size_t i = 0; i < out.size(); ++i) {
      n.outputs.push_back(static_cast<ValueId>(g.values.size()));
      g.values.push_back(Value{out[i], dtypes.at(i), node_index, static_cast<int>(i)});
    }
    g.nodes.push_back(std::move(n));
    return g.nodes.back().outputs;
  }

  // `pin`: false for a feeder node (see feed), which the op's own pin rebuilds.
  void place(const Placed& p, bool pin = true) {
    std::vector<Weight> weights;
    for (const WeightSpec& w : p.weights) weights.push_back({w.name, w.shape, {}});
    const std::vector<ValueId> outs = append(g_, fmt::format("n{}", g_.nodes.size()), p.op->name, p.attrs, p.inputs,
                                             p.out, p.dtypes, std::move(weights));
    for (ValueId v : p.inputs) {
      ++uses_[v];
      Interval& d = dom_[static_cast<size_t>(v)];
      d = {std::max(d.lo, p.op->domain.lo), std::min(d.hi, p.op->domain.hi)};
    }
    for (ValueId v : outs) track(v, p.mag);
    flops_ += p.flops;
    last_ = outs.at(0);
    ++op_nodes_;
    has_mask_source_ = has_mask_source_ || mask_rule(*p.op) == MaskRule::Source;
    if (pin) pinned_nodes_.push_back(p.pin);
  }

  // Graph inputs are float32; an op whose first input must be bool or int32 (logical ops, tf.where,
  // reduce_any/all, one_hot) and finds no such value gets one made from a float value first: bool by
  // tf.math.greater (a constant from its gen_attrs), int32 by tf.math.argmax (indices 0..n-1, what one_hot
  // is fed in models) or else tf.cast. The feeder is placed as a recipe node of its own would place it
  // (attempt 0 of a pick derived from this one), and pinned, so the pinned recipe rebuilds the same graph
  // and a shrink can drop the consumer and keep the feeder.
  bool feed(const OpSpec& op, const NodeRecipe& nr) {
    const std::vector<DType>& want = accepted_dtypes(op, 0);
    if (std::find(want.begin(), want.end(), DType::F32) != want.end() || !chain_ok(op)) return false;
    if (op_nodes_ + 2 > cfg_.max_nodes) return false;  // the feeder and the op
    const std::vector<std::string> feeders =
        want[0] == DType::Bool ? std::vector<std::string>{"tf.math.greater"}
                               : std::vector<std::string>{"tf.math.argmax", "tf.cast"};
    for (const std::string& name : feeders) {
      const OpSpec& f = c_.at(name);
      const auto it = std::find(ops_.begin(), ops_.end(), &f);
      std::vector<ValueId> cands = candidates(f);
      if (name == "tf.cast") {  // to int32 whatever the draw
        std::erase_if(cands, [&](ValueId v) { return g_.values[v].dtype != DType::F32; });
        if (cands.empty()) return false;
        auto p = infer(f, json{{"dtype", "int32"}}, {cands[nr.inputs[0] % cands.size()]});
        if (!p) return false;
        place(*p, false);
        return true;
      }
      std::erase_if(cands, [&](ValueId v) { return g_.values[v].dtype != DType::F32; });
      if (cands.empty()) continue;
      NodeRecipe pin = nr;
      pin.op = it == ops_.end() ? 0 : static_cast<uint32_t>(it - ops_.begin());
      pin.choice = mix(nr.choice, 977);
      pin.arity = 0;
      for (uint32_t& a : pin.attrs) a = 0;
      auto p = attempt(f, pin, cands, 0);
      if (!p) continue;
      place(*p, it != ops_.end());  // pinned only when the recipe's op list can name it
      return true;
    }
    return false;
  }

  // The op is the recipe's pick when it can take some existing value, else the pick among those that can.
  bool add_node(const NodeRecipe& nr) {
    const OpSpec* op = op_of(nr);
    std::vector<ValueId> cands = candidates(*op);
    if (cands.empty() && chain_ok(*op) && !accepts_dtype(*op, 0, DType::F32)) {
      const Graph g0 = g_;  // to undo the feeder when the op still does not fit
      const std::vector<double> mag0 = mag_;
      const std::vector<int> uses0 = uses_;
      const std::vector<Interval> dom0 = dom_;
      const int64_t flops0 = flops_;
      const ValueId last0 = last_;
      const int op_nodes0 = op_nodes_;
      if (feed(*op, nr)) {
        cands = candidates(*op);
        for (int k = 0; k < kAttempts && !cands.empty(); ++k)
          if (auto p = attempt(*op, nr, cands, k)) {
            place(*p);
            return true;
          }
        g_ = g0;
        mag_ = mag0;
        uses_ = uses0;
        dom_ = dom0;
        flops_ = flops0;
        last_ = last0;
        op_nodes_ = op_nodes0;
        cands.clear();
      }
    }
    if (cands.empty()) {
      std::vector<const OpSpec*> feasible;
      for (const OpSpec* o : ops_)
        if (!candidates(*o).empty()) feasible.push_back(o);
      if (feasible.empty()) return false;
      op = feasible[nr.op % feasible.size()];
      cands = candidates(*op);
    }
    for (int k = 0; k < kAttempts; ++k)
      if (auto p = attempt(*op, nr, cands, k)) {
        place(*p);
        return true;
      }
    return false;
  }

  // No node choice fitted (e.g. every pick needs a rank the input lacks): the first op, in catalog order
  // from the first pick, that does.
  bool fallback() {
    NodeRecipe nr = r_.nodes.empty() ? NodeRecipe{} : r_.nodes[0];
    nr.inputs.assign(recipe::kInputPicks, 0);
    nr.attrs.assign(recipe::kMaxAttrs, 0);
    for (size_t i = 0; i < ops_.size(); ++i) {
      nr.op = static_cast<uint32_t>((r_.nodes.empty() ? 0 : r_.nodes[0].op) + i);
      const OpSpec* op = op_of(nr);
      const std::vector<ValueId> cands = candidates(*op);
      if (cands.empty()) continue;
      for (int k = 0; k < kAttempts; ++k)
        if (auto p = attempt(*op, nr, cands, k)) {
          place(*p);
          return true;
        }
    }
    return false;
  }

  // The final graph: used inputs only (input_1, ...), nodes named as Keras names layers (conv2d,
  // conv2d_1; TFOpLambda layers by their function, tf.math.add_1), outputs = the sinks in order.
  Graph finalize() const {
    Graph out;
    std::map<ValueId, ValueId> remap;
    std::map<std::string, int> used_names;
    auto unique = [&](const std::string& base) {
      const int n = used_names[base]++;
      return n == 0 ? base : fmt::format("{}_{}", base, n);
    };
    // Every node of the scratch graph was checked when placed, and a node's attributes, output shapes and
    // weights do not depend on its name or on value ids, so nodes are copied rather than re-added.
    int input_no = 0;
    for (ValueId v : g_.inputs)
      if (uses_[v] > 0) {
        const Node& n = g_.nodes[g_.values[v].producer];
        remap[v] = append(out, fmt::format("input_{}", ++input_no), n.op, n.attrs, {}, {g_.values[v].shape},
                          {g_.values[v].dtype}, n.weights).at(0);
        out.inputs.push_back(remap[v]);
      }
    std::vector<Shape> shapes;
    std::vector<DType> dtypes;
    for (const Node& n : g_.nodes) {
      if (n.op == "InputLayer") continue;
      std::vector<ValueId> ins;
      for (ValueId v : n.inputs) ins.push_back(remap.at(v));
      const OpSpec& spec = c_.at(n.op);
      const std::string base = spec.family == Family::TfOp ? spec.name : snake(spec.name);
      shapes.clear();
      dtypes.clear();
      for (ValueId v : n.outputs) {
        shapes.push_back(g_.values[v].shape);
        dtypes.push_back(g_.values[v].dtype);
      }
      const std::vector<ValueId> outs = append(out, unique(base), n.op, n.attrs, ins, shapes, dtypes, n.weights);
      for (size_t i = 0; i < outs.size(); ++i) remap[n.outputs[i]] = outs[i];
    }
    std::vector<int> consumers(out.values.size(), 0);
    for (const Node& n : out.nodes)
      for (ValueId v : n.inputs) ++consumers[v];
    for (ValueId v = 0; v < static_cast<ValueId>(out.values.size()); ++v)
      if (consumers[v] == 0 && out.nodes[out.values[v].producer].op != "InputLayer") out.outputs.push_back(v);
    return out;
  }

  const Catalog& c_;
  const GenConfig& cfg_;
  const std::vector<const OpSpec*>& ops_;
  const Recipe& r_;
  const bool functional_;
  const int64_t batch_;
  Graph g_;
  std::vector<double> mag_;
  std::vector<int> uses_;
  std::vector<Interval> dom_;  // graph inputs: the intersection of their consumers' domains so far
  std::vector<NodeRecipe> pinned_nodes_;
  std::vector<Shape> pinned_inputs_;
  int64_t flops_ = 0;
  int op_nodes_ = 0;  // op nodes placed so far, feeders included
  bool has_mask_source_ = false;  // a Masking or Embedding was placed: masks need checking (infer)
  ValueId last_ = 0;
};

double quarter(double v, Interval range) {  // nearest multiple of 1/4, kept in range
  return std::clamp(std::nearbyint(v * 4) / 4, range.lo, range.hi);
}

}  // namespace

GeneratedCase CaseGenerator::Impl::build(const Recipe& r, uint64_t seed, uint64_t index, Recipe* pinned) const {
  // Both: the recipe picks the family, unless the filters left one of them empty.
  const bool tf = cfg.family == GraphFamily::TfOps ||
                  (cfg.family == GraphFamily::Both && (layer_ops.empty() || (!tf_ops.empty() && r.family % 2 == 1)));
  GeneratedCase gc;
  gc.id = fmt::format("s{}-{}", seed, index);
  Builder b(c, cfg, tf ? tf_ops : layer_ops, r);
  gc.cf.graph = b.build(gc.skipped_nodes);
  if (pinned) *pinned = b.pinned();
  gc.cf.batch = b.batch();
  gc.cf.input_seed = r.input_seed;
  Graph& g = gc.cf.graph;
  fill_random_weights(g, c, r.weights_seed);
  if (r.simple_weights)
    for (Node& n : g.nodes) {
      const std::vector<Shape> shapes = g.input_shapes(n);
      const std::vector<WeightSpec> specs = c.weights(g.view(n, shapes));
      for (size_t i = 0; i < n.weights.size(); ++i)
        for (double& d : n.weights[i].data) d = quarter(d, specs[i].init);
    }
  if (r.simple_inputs) {
    std::vector<NamedTensor> inputs;
    const std::vector<Tensor<double>> values = random_inputs(g, c, r.input_seed, gc.cf.batch);
    for (size_t i = 0; i < values.size(); ++i) {
      NamedTensor t{g.nodes[g.values[g.inputs[i]].producer].name, values[i]};
      for (double& d : t.tensor.data) d = static_cast<float>(quarter(d, input_domain(g, c, i)));
      inputs.push_back(std::move(t));
    }
    gc.cf.inputs = std::move(inputs);
  }
  return gc;
}

CaseGenerator::CaseGenerator(const Catalog& c, GenConfig cfg) : impl_(std::make_unique<Impl>(c, std::move(cfg))) {
  const GenConfig& k = impl_->cfg;
  if (k.max_nodes < 1 || k.max_elements < 1 || k.max_flops < 1 || k.max_batch < 1)
    fail("generator: max_nodes, max_elements, max_flops and max_batch must be >= 1");
  // Names match case-insensitively, with or without the "tf." of TF ops; a list entry may hold commas.
  auto resolve = [&](const std::vector<std::string>& names, const char* flag) {
    std::set<std::string> out;
    for (const std::string& entry : names) {
      size_t pos = 0;
      while (pos <= entry.size()) {
        const size_t end = std::min(entry.find(',', pos), entry.size());
        std::string name = entry.substr(pos, end - pos);
        name.erase(0, name.find_first_not_of(' '));
        name.erase(name.find_last_not_of(' ') + 1);
        pos = end + 1;
        if (name.empty()) continue;
        const OpSpec* hit = nullptr;
        for (const OpSpec& op : c.ops())
          if (lower(op.name) == lower(name) || lower(op.name) == "tf." + lower(name)) hit = &op;
        if (!hit) fail("{}: unknown op '{}' (see `parity ops`)", flag, name);
        out.insert(hit->name);
      }
    }
    return out;
  };
  const std::set<std::string> only = resolve(k.ops, "--ops"), excluded = resolve(k.exclude, "--exclude");
  std::vector<std::unique_ptr<Executor>> executors;
  for (const std::string& e : k.executors) executors.push_back(make_executor(e));
  for (const OpSpec& op : c.ops()) {
    if (op.name == "InputLayer" || (!only.empty() && !only.count(op.name)) || excluded.count(op.name)) continue;
    if (std::any_of(executors.begin(), executors.end(), [&](const auto& e) { return e->unsupported_reason(op.name).has_value(); }))
      continue;
    (op.family == Family::Layer ? impl_->layer_ops : impl_->tf_ops).push_back(&op);
  }
  const bool need_layers = k.family == GraphFamily::Layers, need_tf = k.family == GraphFamily::TfOps;
  if ((need_layers && impl_->layer_ops.empty()) || (need_tf && impl_->tf_ops.empty()) ||
      (impl_->layer_ops.empty() && impl_->tf_ops.empty()))
    fail("generator: the op filters (--ops, --exclude, executors) leave no {} to generate",
         need_layers ? "Keras layer" : need_tf ? "TF op" : "op");
}

CaseGenerator::~CaseGenerator() = default;

const GenConfig& CaseGenerator::config() const { return impl_->cfg; }

std::vector<std::string> CaseGenerator::enabled_ops() const {
  std::vector<std::string> out;
  for (const OpSpec& op : impl_->c.ops())
    for (const auto* list : {&impl_->layer_ops, &impl_->tf_ops})
      if (std::find(list->begin(), list->end(), &op) != list->end()) out.push_back(op.name);
  return out;
}

GeneratedCase CaseGenerator::generate(uint64_t seed, uint64_t index) const {
  return impl_->build(impl_->tree(seed, index).value(), seed, index);
}

// Greedy descent of RapidCheck's shrink tree: take the first shrink that still fails, repeat until none
// does or the attempts run out. A shrink that builds the very same case (a pick that no longer matters) is
// taken without asking the predicate; a predicate that throws counts as "does not fail the same way".
// RapidCheck's tree can stop at a local minimum where deleting a node changes the op of a later one (its
// pick was not placeable and fell back to another op) or an input's rank; a last phase therefore deletes
// nodes, one at a time, from the pinned recipe (see Builder::pinned), where a deletion changes nothing else.
// There a deletion that rebuilds the very same case is progress only when the pinned recipe got shorter:
// deleting a pinned feeder (see Builder::feed) makes its consumer place the same feeder again, and taking
// that as a move looped forever (issue 3: bool/int32-input ops never finished shrinking).
GeneratedCase CaseGenerator::shrink(uint64_t seed, uint64_t index, const std::function<bool(const CaseFile&)>& still_fails,
                                    int max_attempts, ShrinkStats* stats) const {
  ShrinkStats local;
  ShrinkStats& st = stats ? *stats : local;
  st = {};
  rc::Shrinkable<Recipe> current = impl_->tree(seed, index);
  Recipe pinned;
  GeneratedCase best = impl_->build(current.value(), seed, index, &pinned);
  std::string best_text = case_to_json(best.cf).dump();
  // Same-case moves cost a build but no attempt: a bound on builds keeps any walk finite.
  const int64_t max_builds = 100 * int64_t{std::max(1, max_attempts)};
  // Builds a candidate; true (and it becomes the best) when it still fails, or is the same case and
  // `same_ok` allows that for its pinned recipe.
  auto budget_left = [&] { return st.attempts < max_attempts && st.builds < max_builds; };
  auto accept = [&](const Recipe& r, const std::function<bool(const Recipe&)>& same_ok) {
    if (!budget_left()) return false;
    ++st.builds;
    Recipe pin;
    GeneratedCase gc;
    try {
      gc = impl_->build(r, seed, index, &pin);
    } catch (const ParityError&) {
      return false;
    }
    std::string text = case_to_json(gc.cf).dump();
    if (text == best_text) {
      if (!same_ok(pin)) return false;
    } else {
      ++st.attempts;
      bool fails = false;
      try {
        fails = still_fails(gc.cf);
      } catch (const ParityError&) {
      }
      if (!fails) return false;
      ++st.accepted;
    }
    best = std::move(gc);
    best_text = std::move(text);
    pinned = std::move(pin);
    return true;
  };
  for (bool moved = true; moved;) {
    moved = false;
    auto shrinks = current.shrinks();
    while (auto cand = budget_left() ? shrinks.next() : rc::Maybe<rc::Shrinkable<Recipe>>())
      if (accept(cand->value(), [](const Recipe&) { return true; })) {
        current = *cand;
        moved = true;
        break;
      }
  }
  for (bool moved = true; moved;) {
    moved = false;
    for (size_t i = 0; i < pinned.nodes.size() && pinned.nodes.size() > 1 && !moved; ++i) {
      Recipe r = pinned;
      r.nodes.erase(r.nodes.begin() + static_cast<std::ptrdiff_t>(i));
      moved = accept(r, [&](const Recipe& pin) { return pin.nodes.size() < pinned.nodes.size(); });
    }
  }
  return best;
}

GeneratedCase generate_case(const Catalog& c, const GenConfig& cfg, uint64_t seed, uint64_t index) {
  return CaseGenerator(c, cfg).generate(seed, index);
}

GeneratedCase shrink_case(const Catalog& c, const GenConfig& cfg, uint64_t seed, uint64_t index,
                          const std::function<bool(const CaseFile&)>& still_fails, int max_attempts,
                          ShrinkStats* stats) {
  return CaseGenerator(c, cfg).shrink(seed, index, still_fails, max_attempts, stats);
}

int64_t node_flops(const Catalog& c, const Graph& g, const Node& n, int64_t batch) {
  if (n.op == "InputLayer") return 0;
  const std::vector<Shape> shapes = g.input_shapes(n);
  const NodeView view = g.view(n, shapes);
  int64_t f = 0;
  for (ValueId v : n.outputs) f += flops_of(c, view, g.values[v].shape, batch);
  return f;
}

GraphSize graph_size(const Catalog& c, const Graph& g, int64_t batch) {
  GraphSize s;
  for (const Node& n : g.nodes) {
    if (n.op != "InputLayer") ++s.op_nodes;
    s.flops += node_flops(c, g, n, batch);
    for (const Weight& w : n.weights) s.max_elements = std::max(s.max_elements, num_elements(w.shape));
  }
  for (const Value& v : g.values) s.max_elements = std::max(s.max_elements, num_elements(with_batch(v.shape, batch)));
  return s;
}

}  // namespace parity
