// Catalog entries for Embedding, the recurrent layers (SimpleRNN, GRU, LSTM), their wrappers
// (Bidirectional, TimeDistributed) and Masking.
#include "harness/catalog/catalog.h"

namespace parity {

void register_recurrent_ops(Catalog&) {}

}  // namespace parity
