#pragma once
// The C++ end of the persistent TF.js worker (oracles/tfjs/worker/worker.js): spawns `node worker.js
// <backend>` with pipes, speaks the framed protocol (docs/tfjs-worker.md) and survives every way the
// worker can fail. A timeout, a crash or garbage on the worker's stdout kills the process and throws
// ExecutorError("timeout" | "crash" | "protocol"); the next request starts a fresh worker. No node or no
// TF.js installation throws ExecutorUnavailable. Not thread-safe: one client per backend per job.
#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace parity {

struct WorkerOptions {
  std::string backend = "cpu";       // "cpu" | "wasm"
  std::filesystem::path worker_dir;  // holds worker.js; empty: $PARITY_TFJS_WORKER_DIR, else the source tree's
  std::filesystem::path tfjs_dir;    // holds node_modules; empty: $PARITY_TFJS_DIR, else worker_dir
  std::string node;                  // node executable; empty: $PARITY_NODE, else `node` / `nodejs` on PATH
  double startup_timeout_s = 60;     // spawn until the hello reply (TF.js import + backend init)
  double request_timeout_s = 30;     // per request; $PARITY_TFJS_TIMEOUT_S overrides the default
  bool test_faults = false;          // lets requests carry a "fault" field (sets PARITY_WORKER_TEST_FAULTS=1)
};

struct WorkerMessage {
  nlohmann::json header;
  std::vector<uint8_t> payload;
};

// Where node and the worker would come from, or why they cannot: for skipping tests and for messages.
struct WorkerSetup {
  std::string node;                   // resolved executable path
  std::filesystem::path worker_js, tfjs_dir;
  std::optional<std::string> unavailable;  // set when the worker cannot run here
};
WorkerSetup resolve_worker_setup(const WorkerOptions& opt);

class WorkerClient {
 public:
  explicit WorkerClient(WorkerOptions opt);
  ~WorkerClient();  // asks the worker to exit, then kills it if it does not within a moment
  WorkerClient(const WorkerClient&) = delete;
  WorkerClient& operator=(const WorkerClient&) = delete;

  // The worker's hello reply (versions, backend, node), starting the worker if needed.
  const nlohmann::json& hello();
  // Sends one request and returns the reply frame as is ({"ok": false, ...} replies included). Throws
  // ExecutorError for transport failures and ExecutorUnavailable when the worker cannot be started.
  // A worker found dead before the request was delivered is restarted transparently (see the doc).
  // Only with no request in flight (std::logic_error otherwise).
  WorkerMessage request(const nlohmann::json& header, const std::vector<uint8_t>& payload = {},
                        double timeout_s = -1);
  // The same in two halves, pipelined: send() queues a request and writes it to the worker, which handles
  // requests one at a time in order, so several can be in flight; receive() returns the reply to the oldest
  // one (std::logic_error when none is queued). A request's timeout counts from when the worker could start
  // it: its send, or the reply before it. When a request fails (timeout, crash, garbage: the worker is
  // killed), the requests queued behind it are delivered again to a fresh worker when their turn comes and
  // are charged only for their own failures. A request too large to wait in the pipe while the worker
  // answers the one before is written when its turn comes (so neither side can block the other).
  // send() throws what request() would only for a request with nothing queued before it.
  void send(const nlohmann::json& header, const std::vector<uint8_t>& payload = {}, double timeout_s = -1);
  WorkerMessage receive();
  size_t queued() const { return queue_.size(); }  // requests sent whose reply was not received yet

  void stop();                              // graceful: closes stdin, waits briefly, then SIGKILL
  pid_t pid() const { return pid_; }        // 0 when no worker is running
  int starts() const { return starts_; }    // worker processes started so far
  std::string stderr_tail() const;          // the last few KiB the worker wrote to stderr
  const WorkerOptions& options() const { return opt_; }

 private:
  void start();
  void kill_worker();
  bool reap_if_dead();  // true when the worker has exited (and was reaped)
  enum class Io { Ok, Timeout, Closed, WriteClosed };
  Io write_all(const std::vector<uint8_t>& bytes, double deadline);
  Io read_exact(uint8_t* dst, size_t n, double deadline);
  size_t take_buffered(uint8_t* dst, size_t n);  // bytes already read from stdout but not yet consumed
  void drain_stderr();
  [[noreturn]] void fail_and_kill(const std::string& kind, const std::string& message);
  // A request from send() until its reply is received.
  struct Outgoing {
    std::vector<uint8_t> frame;
    double timeout_s = 0;
    double written_at = 0;  // when last written whole
    int worker = 0;         // starts_ of the worker it was written to; 0 = not written yet
    int write_failures = 0;
  };
  bool on_worker(const Outgoing& o) const { return pid_ > 0 && o.worker == starts_; }
  size_t bytes_on_worker() const;
  void pump(bool charge_front);  // writes queued requests that are not on the current worker, in order
  void write_request(Outgoing& o, bool charged);
  WorkerMessage read_reply(double timeout_s, double deadline);
  // With nothing in flight: replaces a dead worker or one that wrote unasked; false when there is none
  // running and `may_start` is false.
  bool replace_if_unusable(bool may_start);

  WorkerOptions opt_;
  WorkerSetup setup_;
  pid_t pid_ = 0;
  int in_fd_ = -1, out_fd_ = -1, err_fd_ = -1;  // worker's stdin (we write), stdout, stderr (we read)
  int starts_ = 0;
  std::string err_ring_;
  // The reply is read in as few read() calls as possible: up to kReadChunk bytes at a time into rbuf_.
  // Bytes left over after a reply begin the next queued request's reply; with nothing in flight they were
  // not requested (the worker writes exactly one frame per request).
  std::vector<uint8_t> rbuf_;
  size_t rbeg_ = 0, rend_ = 0;
  std::optional<nlohmann::json> hello_;
  int last_exit_status_ = 0;
  std::deque<Outgoing> queue_;
  double last_reply_at_ = 0;  // when the current worker's last reply was read
  size_t pipe_budget_ = 0;    // request bytes that may wait in the worker's stdin pipe: half its capacity
};

// "exited with status 3", "killed by signal 9 (Killed)".
std::string describe_wait_status(int status);

}  // namespace parity
