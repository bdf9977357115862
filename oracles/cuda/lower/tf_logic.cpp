// TF ops with bool and int32 values: CUDA lowerings (reference: oracles/ref/kernels/tf_logic.cpp; per-element
// functions: elem/tf_logic.h). Values stay float on the device: bool as 0/1, int32 as exact integers.
#include "harness/ops/merge_util.h"
#include "oracles/cuda/lower/lowering.h"

namespace parity::cuda {
namespace {

// op over up to three operands (tensors, or a comparison's constant x / y), NumPy broadcasting.
void run_logic(const LowerArgs& a, LogicOp op, std::vector<const DevTensor*> operand) {
  Shape out;
  for (const DevTensor* t : operand) {
    auto b = merge::broadcast_shapes(out, t->shape);
    if (!b) fail_node(a.node, "operands do not broadcast");
    out = *b;
  }
  check_out_shape(a, out);
  TfLogicKernel k;
  k.op = op;
  while (operand.size() < 3) operand.push_back(operand[0]);
  k.s0 = broadcast_strides(operand[0]->shape, out);
  k.s1 = broadcast_strides(operand[1]->shape, out);
  k.s2 = broadcast_strides(operand[2]->shape, out);
  k.x0 = operand[0]->p;
  k.x1 = operand[1]->p;
  k.x2 = operand[2]->p;
  k.y = a.out().p;
  a.be.run(k, num_elements(out));
}

template <LogicOp op>
void compare_op(const LowerArgs& a) {
  const merge::BinaryOperands ops = merge::binary_operands(a.node);
  DevTensor c;
  if (ops.const_pos >= 0)  // TF converts the constant to a float32 tensor
    c = upload(a.be, ops.constant.shape, std::vector<float>(ops.constant.values.begin(), ops.constant.values.end()));
  std::vector<const DevTensor*> operand;
  for (int k = 0, next = 0; k < 2; ++k) operand.push_back(k == ops.const_pos ? &c : &a.in(static_cast<size_t>(next++)));
  run_logic(a, op, operand);
}

template <LogicOp op>
void tensor_op(const LowerArgs& a) {
  run_logic(a, op, a.inputs);
}

void cast_op(const LowerArgs& a) {
  const std::string to = attr_str(a.node, "dtype");
  run_logic(a, to == "int32" ? LogicOp::ToInt32 : to == "bool" ? LogicOp::ToBool : LogicOp::Copy, {&a.in()});
}

template <LogicReduce op>
void reduce_op(const LowerArgs& a) {
  const Shape& in = a.in().shape;
  const auto rank = static_cast<int64_t>(in.size());
  std::vector<bool> mask;
  Shape out;
  if (op == LogicReduce::ArgMax || op == LogicReduce::ArgMin) {
    const int64_t axis = merge::normalize_axis(a.node, "axis", attr_int(a.node, "axis"), rank);
    mask.assign(in.size(), false);
    mask[static_cast<size_t>(axis)] = true;
    out = in;
    out.erase(out.begin() + axis);
  } else {
    mask = merge::reduce_axes(a.node, rank);
    for (size_t d = 0; d < in.size(); ++d)
      if (!mask[d]) out.push_back(in[d]);
      else if (attr_bool(a.node, "keepdims")) out.push_back(1);
  }
  check_out_shape(a, out);
  TfLogicReduceKernel k;
  k.op = op;
  k.g = make_groups(in, mask);
  k.x = a.in().p;
  k.y = a.out().p;
  a.be.run(k, k.g.outer.count());
}

void one_hot(const LowerArgs& a) {
  const Shape& in = a.in().shape;
  OneHotKernel k;
  k.depth = attr_int(a.node, "depth");
  const int64_t axis = merge::normalize_axis(a.node, "axis", attr_int(a.node, "axis"), static_cast<int64_t>(in.size()) + 1);
  Shape out = in;
  out.insert(out.begin() + axis, k.depth);
  check_out_shape(a, out);
  for (size_t d = static_cast<size_t>(axis); d < in.size(); ++d) k.inner *= in[d];
  k.on = f32_attr(a.node, "on_value");
  k.off = f32_attr(a.node, "off_value");
  k.idx = a.in().p;
  k.y = a.out().p;
  a.be.run(k, num_elements(out));
}

void top_k(const LowerArgs& a) {
  const Shape& in = a.in().shape;
  TopKKernel k;
  k.n = in.back();
  k.k = attr_int(a.node, "k");
  Shape out = in;
  out.back() = k.k;
  check_out_shape(a, out, 0);
  check_out_shape(a, out, 1);
  k.x = a.in().p;
  k.values = a.out(0).p;
  k.indices = a.out(1).p;
  a.be.run(k, a.in().size());
}

}  // namespace

void register_tf_logic_lowerings(LowerTable& t) {
  t["tf.math.equal"] = compare_op<LogicOp::Equal>;
  t["tf.math.not_equal"] = compare_op<LogicOp::NotEqual>;
  t["tf.math.greater"] = compare_op<LogicOp::Greater>;
  t["tf.math.greater_equal"] = compare_op<LogicOp::GreaterEqual>;
  t["tf.math.less"] = compare_op<LogicOp::Less>;
  t["tf.math.less_equal"] = compare_op<LogicOp::LessEqual>;
  t["tf.math.logical_and"] = tensor_op<LogicOp::And>;
  t["tf.math.logical_or"] = tensor_op<LogicOp::Or>;
  t["tf.math.logical_xor"] = tensor_op<LogicOp::Xor>;
  t["tf.math.logical_not"] = tensor_op<LogicOp::Not>;
  t["tf.where"] = tensor_op<LogicOp::Select>;
  t["tf.math.is_nan"] = tensor_op<LogicOp::IsNan>;
  t["tf.math.is_inf"] = tensor_op<LogicOp::IsInf>;
  t["tf.math.is_finite"] = tensor_op<LogicOp::IsFinite>;
  t["tf.cast"] = cast_op;
  t["tf.math.argmax"] = reduce_op<LogicReduce::ArgMax>;
  t["tf.math.argmin"] = reduce_op<LogicReduce::ArgMin>;
  t["tf.math.reduce_any"] = reduce_op<LogicReduce::Any>;
  t["tf.math.reduce_all"] = reduce_op<LogicReduce::All>;
  t["tf.one_hot"] = one_hot;
  t["tf.math.top_k"] = top_k;
}

}  // namespace parity::cuda
