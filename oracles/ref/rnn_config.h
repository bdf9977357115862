#pragma once
// A recurrent layer's attributes as every implementation reads them: the reference kernels
// (oracles/ref/kernels/recurrent.cpp), their error budget (harness/engine/budget_recurrent.cpp) and the CUDA
// lowering (oracles/cuda/lower/recurrent.cpp).
#include <cstdint>
#include <string>

#include "harness/catalog/attrs.h"

namespace parity {

struct Rnn {
  std::string op, act, ract;  // op: SimpleRNN, GRU or LSTM; activation and recurrent activation
  int64_t units = 0;
  bool bias = true, seq = false, state = false, back = false, reset_after = true;
};

inline Rnn rnn_of(const NodeView& n) {
  Rnn r;
  r.op = n.op;
  r.units = attr_int(n, "units");
  r.act = attr_str(n, "activation");
  r.ract = n.op == "SimpleRNN" ? "linear" : attr_str(n, "recurrent_activation");  // SimpleRNN has no gates
  r.bias = attr_bool(n, "use_bias");
  r.seq = attr_bool(n, "return_sequences");
  r.state = attr_bool(n, "return_state");
  r.back = attr_bool(n, "go_backwards");
  r.reset_after = n.op == "GRU" && attr_bool(n, "reset_after");
  return r;
}

}  // namespace parity
