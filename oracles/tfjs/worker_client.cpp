#include "oracles/tfjs/worker_client.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <thread>

#include "oracles/executor.h"

extern char** environ;

namespace parity {

namespace fs = std::filesystem;
using nlohmann::json;

static_assert(std::endian::native == std::endian::little, "the worker protocol carries little-endian float32");

namespace {

constexpr char kMagic[4] = {'P', 'R', 'W', '1'};
constexpr size_t kPrefix = 12;
constexpr uint32_t kMaxHeader = 256u << 20;
constexpr uint32_t kMaxPayload = 1u << 30;
constexpr size_t kStderrKeep = 8192;
constexpr size_t kReadChunk = 64 * 1024;
// Pipe capacity asked for (F_SETPIPE_SZ) on stdin and stdout, so a small case's request and reply each
// pass in one write() and one read(). The default is 64 KiB; an unprivileged process may raise it up to
// /proc/sys/fs/pipe-max-size (1 MiB by default). Failure is harmless: the loops below handle short writes.
constexpr int kPipeSize = 1 << 20;

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int remaining_ms(double deadline) {
  const double left = deadline - now_s();
  if (left <= 0) return 0;
  return static_cast<int>(std::min(left * 1000.0 + 1.0, 2.0e9));
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

bool executable(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && access(p.c_str(), X_OK) == 0;
}

std::string find_on_path(const std::vector<std::string>& names) {
  const std::string path = env_or("PATH", "/usr/local/bin:/usr/bin:/bin");
  for (const std::string& name : names) {
    std::stringstream dirs(path);
    for (std::string d; std::getline(dirs, d, ':');)
      if (!d.empty() && executable(fs::path(d) / name)) return (fs::path(d) / name).string();
  }
  return {};
}

// Printable form of unexpected bytes for an error message.
std::string escape_bytes(const uint8_t* p, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t c = p[i];
    if (c >= 0x20 && c < 0x7f && c != '\\') s += static_cast<char>(c);
    else s += fmt::format("\\x{:02x}", c);
  }
  return s;
}

void put_u32(std::vector<uint8_t>& out, size_t at, uint32_t v) {
  for (int b = 0; b < 4; ++b) out[at + b] = static_cast<uint8_t>(v >> (8 * b));
}

uint32_t get_u32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

// prefix (magic, header length, payload length) + header JSON + payload.
std::vector<uint8_t> make_frame(const json& header, const std::vector<uint8_t>& payload) {
  const std::string h = header.dump();
  if (h.size() > kMaxHeader || payload.size() > kMaxPayload)
    throw ExecutorError("protocol", fmt::format("request too large: header {} bytes, payload {} bytes", h.size(), payload.size()));
  std::vector<uint8_t> frame(kPrefix + h.size() + payload.size());
  std::memcpy(frame.data(), kMagic, 4);
  put_u32(frame, 4, static_cast<uint32_t>(h.size()));
  put_u32(frame, 8, static_cast<uint32_t>(payload.size()));
  std::memcpy(frame.data() + kPrefix, h.data(), h.size());
  if (!payload.empty()) std::memcpy(frame.data() + kPrefix + h.size(), payload.data(), payload.size());
  return frame;
}

void set_nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// write() with SIGPIPE blocked in this thread only, so a dead reader gives EPIPE instead of killing
// parity, without changing the process-wide disposition.
ssize_t write_nosigpipe(int fd, const void* buf, size_t n) {
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  const ssize_t r = write(fd, buf, n);
  const int saved = errno;
  if (r < 0 && saved == EPIPE && !sigismember(&old, SIGPIPE)) {
    const timespec zero{0, 0};
    while (sigtimedwait(&pipe_set, nullptr, &zero) == SIGPIPE) {}  // consume the pending SIGPIPE
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = saved;
  return r;
}

}  // namespace

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  return fmt::format("stopped (wait status {})", status);
}

WorkerSetup resolve_worker_setup(const WorkerOptions& opt) {
  WorkerSetup s;
  // The worker sits in the source tree beside this file (CMake compiles with absolute paths).
  const fs::path default_dir = fs::path(__FILE__).parent_path() / "worker";
  const fs::path worker_dir = !opt.worker_dir.empty() ? opt.worker_dir
                              : fs::path(env_or("PARITY_TFJS_WORKER_DIR", default_dir.string()));
  s.worker_js = worker_dir / "worker.js";
  s.tfjs_dir = !opt.tfjs_dir.empty() ? opt.tfjs_dir : fs::path(env_or("PARITY_TFJS_DIR", worker_dir.string()));
  const std::string node = !opt.node.empty() ? opt.node : env_or("PARITY_NODE", "");
  if (!node.empty()) {
    s.node = node.find('/') == std::string::npos ? find_on_path({node}) : node;
    if (s.node.empty() || !executable(s.node)) {
      s.unavailable = fmt::format("node executable '{}' (from --node / PARITY_NODE) not found or not executable", node);
      return s;
    }
  } else {
    s.node = find_on_path({"node", "nodejs"});
    if (s.node.empty()) {
      s.unavailable = "node is not installed (no `node` or `nodejs` on PATH; set PARITY_NODE to use another)";
      return s;
    }
  }
  std::error_code ec;
  if (!fs::is_regular_file(s.worker_js, ec)) {
    s.unavailable = fmt::format("TF.js worker script {} is missing", s.worker_js.string());
    return s;
  }
  if (!fs::is_regular_file(s.tfjs_dir / "node_modules" / "@tensorflow" / "tfjs-core" / "package.json", ec))
    s.unavailable = fmt::format("no TF.js installation in {}/node_modules (run `npm ci` in oracles/tfjs/worker)",
                                s.tfjs_dir.string());
  return s;
}

WorkerClient::WorkerClient(WorkerOptions opt) : opt_(std::move(opt)), setup_(resolve_worker_setup(opt_)) {}

WorkerClient::~WorkerClient() { stop(); }

std::string WorkerClient::stderr_tail() const { return err_ring_; }

void WorkerClient::drain_stderr() {
  if (err_fd_ < 0) return;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(err_fd_, buf, sizeof buf);
    if (n <= 0) {
      if (n == 0) { close(err_fd_); err_fd_ = -1; }  // worker closed stderr (exited)
      return;
    }
    err_ring_.append(buf, static_cast<size_t>(n));
    if (err_ring_.size() > kStderrKeep) err_ring_.erase(0, err_ring_.size() - kStderrKeep);
    if (std::getenv("PARITY_WORKER_STDERR")) (void)!write(2, buf, static_cast<size_t>(n));
  }
}

void WorkerClient::start() {
  if (setup_.unavailable) throw ExecutorUnavailable(*setup_.unavailable);
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0) throw ExecutorError("crash", fmt::format("pipe: {}", strerror(errno)));
  if (pipe2(out, O_CLOEXEC) != 0) { close(in[0]); close(in[1]); throw ExecutorError("crash", "pipe failed"); }
  if (pipe2(err, O_CLOEXEC) != 0) {
    for (int fd : {in[0], in[1], out[0], out[1]}) close(fd);
    throw ExecutorError("crash", "pipe failed");
  }
  // Everything the child needs is built before fork: after it only async-signal-safe calls.
  std::vector<std::string> args = {setup_.node, setup_.worker_js.string(), opt_.backend, "--tfjs-dir",
                                   setup_.tfjs_dir.string()};
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "PARITY_WORKER_TEST_FAULTS=", 26) != 0) env_strings.emplace_back(*e);
  if (opt_.test_faults) env_strings.emplace_back("PARITY_WORKER_TEST_FAULTS=1");
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  const pid_t parent = getpid();

  const pid_t pid = fork();
  if (pid < 0) {
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
    throw ExecutorError("crash", fmt::format("fork: {}", strerror(errno)));
  }
  if (pid == 0) {
    // A worker spinning in an endless loop never sees stdin close: make it die with parity.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    execve(argv[0], argv.data(), envp.data());
    const char msg[] = "parity: cannot execute node\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  pid_ = pid;
  in_fd_ = in[1];
  out_fd_ = out[0];
  err_fd_ = err[0];
  for (int fd : {in_fd_, out_fd_, err_fd_}) set_nonblocking(fd);
  for (int fd : {in_fd_, out_fd_}) (void)fcntl(fd, F_SETPIPE_SZ, kPipeSize);
  rbeg_ = rend_ = 0;
  ++starts_;
  hello_.reset();

  const int pipe_size = fcntl(in_fd_, F_GETPIPE_SZ);
  pipe_budget_ = pipe_size > 0 ? static_cast<size_t>(pipe_size) / 2 : 32 * 1024;
  last_reply_at_ = 0;

  // The hello exchange is the readiness check (a startup failure is answered in its place).
  const double deadline = now_s() + opt_.startup_timeout_s;
  const Io w = write_all(make_frame(json{{"cmd", "hello"}}, {}), deadline);
  if (w == Io::Timeout)
    fail_and_kill("timeout", fmt::format("did not take the hello within {:.3g} s (killed)", opt_.startup_timeout_s));
  if (w != Io::Ok) fail_and_kill("crash", "closed its stdin before taking the hello");
  WorkerMessage m = read_reply(opt_.startup_timeout_s, deadline);
  const json& h = m.header;
  if (!h.value("ok", false)) {
    const std::string msg = h.value("message", std::string("no message"));
    kill_worker();
    if (h.value("kind", "") == "unavailable") throw ExecutorUnavailable("TF.js cannot be loaded: " + msg);
    throw ExecutorError("crash", fmt::format("TF.js worker ({}) failed to start: {}", opt_.backend, msg));
  }
  const std::string node_version = h.value("node", "");
  if (node_version.size() > 1 && std::atoi(node_version.c_str() + 1) < 18) {
    kill_worker();
    throw ExecutorUnavailable(fmt::format("{} is node {}; the TF.js worker needs node >= 18", setup_.node, node_version));
  }
  hello_ = h;
}

void WorkerClient::kill_worker() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {}
    last_exit_status_ = status;
  }
  drain_stderr();
  for (int* fd : {&in_fd_, &out_fd_, &err_fd_})
    if (*fd >= 0) { close(*fd); *fd = -1; }
  rbeg_ = rend_ = 0;
  pid_ = 0;
}

bool WorkerClient::reap_if_dead() {
  if (pid_ <= 0) return true;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == 0) return false;
  last_exit_status_ = status;
  pid_ = 0;  // already reaped: kill_worker must not signal a recycled pid
  kill_worker();
  return true;
}

void WorkerClient::stop() {
  if (pid_ <= 0) return;
  if (in_fd_ >= 0) { close(in_fd_); in_fd_ = -1; }  // the worker exits when its stdin closes
  const double deadline = now_s() + 0.5;
  while (now_s() < deadline) {
    if (reap_if_dead()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  kill_worker();
}

[[noreturn]] void WorkerClient::fail_and_kill(const std::string& kind, const std::string& message) {
  const pid_t pid = pid_;
  // A worker whose stdout closed is usually exiting: give it a moment so its own status is reported.
  if (kind == "crash") {
    const double deadline = now_s() + 1.0;
    while (pid_ > 0 && now_s() < deadline && !reap_if_dead()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const bool died_by_itself = pid_ == 0;
  kill_worker();
  std::string msg = fmt::format("TF.js worker ({}, pid {}): {}", opt_.backend, pid, message);
  if (kind == "crash" && died_by_itself) msg += "; it " + describe_wait_status(last_exit_status_);
  std::string tail = err_ring_.size() > 1500 ? err_ring_.substr(err_ring_.size() - 1500) : err_ring_;
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == ' ')) tail.pop_back();
  if (!tail.empty()) msg += "; stderr: " + tail;
  err_ring_.clear();
  throw ExecutorError(kind, msg);
}

WorkerClient::Io WorkerClient::write_all(const std::vector<uint8_t>& bytes, double deadline) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = write_nosigpipe(in_fd_, bytes.data() + done, bytes.size() - done);
    if (n > 0) { done += static_cast<size_t>(n); continue; }
    if (n < 0 && errno == EPIPE) return Io::WriteClosed;
    if (n < 0 && errno != EAGAIN && errno != EINTR) return Io::WriteClosed;
    // Keep draining stderr while waiting: a worker blocked on a full stderr pipe would never read.
    pollfd fds[2] = {{in_fd_, POLLOUT, 0}, {err_fd_, POLLIN, 0}};
    const int ms = remaining_ms(deadline);
    if (ms == 0) return Io::Timeout;
    if (poll(fds, err_fd_ >= 0 ? 2 : 1, ms) < 0 && errno != EINTR) return Io::WriteClosed;
    if (err_fd_ >= 0 && fds[1].revents) drain_stderr();
  }
  return Io::Ok;
}

size_t WorkerClient::take_buffered(uint8_t* dst, size_t n) {
  const size_t k = std::min(n, rend_ - rbeg_);
  if (k) std::memcpy(dst, rbuf_.data() + rbeg_, k);
  rbeg_ += k;
  if (rbeg_ == rend_) rbeg_ = rend_ = 0;
  return k;
}

// Reads exactly n bytes of the reply. Small reads go through rbuf_, so a whole small reply (prefix,
// header, payload) costs one read() after the wake-up; large remainders are read straight into dst.
WorkerClient::Io WorkerClient::read_exact(uint8_t* dst, size_t n, double deadline) {
  size_t done = take_buffered(dst, n);
  if (rbuf_.size() < kReadChunk) rbuf_.resize(kReadChunk);
  while (done < n) {
    const bool direct = n - done >= kReadChunk;
    const ssize_t r = direct ? read(out_fd_, dst + done, n - done) : read(out_fd_, rbuf_.data(), kReadChunk);
    if (r > 0) {
      if (direct) { done += static_cast<size_t>(r); continue; }
      rbeg_ = 0;
      rend_ = static_cast<size_t>(r);
      done += take_buffered(dst + done, n - done);
      continue;
    }
    if (r == 0) return Io::Closed;
    if (errno != EAGAIN && errno != EINTR) return Io::Closed;
    pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
    const int ms = remaining_ms(deadline);
    if (ms == 0) return Io::Timeout;
    if (poll(fds, err_fd_ >= 0 ? 2 : 1, ms) < 0 && errno != EINTR) return Io::Closed;
    if (err_fd_ >= 0 && fds[1].revents) drain_stderr();
  }
  return Io::Ok;
}

const json& WorkerClient::hello() {
  if (pid_ <= 0 || reap_if_dead() || !hello_) start();
  return *hello_;
}

bool WorkerClient::replace_if_unusable(bool may_start) {
  // With nothing in flight: a worker that died (killed from outside, say) is replaced before a request is
  // written, and bytes it wrote without being asked make it untrustworthy, so it is replaced too.
  if (pid_ > 0 && !reap_if_dead()) {
    pollfd p{out_fd_, POLLIN, 0};
    if (rend_ == rbeg_ && poll(&p, 1, 0) == 0) return true;
    uint8_t junk[64];
    ssize_t n = static_cast<ssize_t>(take_buffered(junk, sizeof junk));
    if (n == 0) n = read(out_fd_, junk, sizeof junk);
    err_ring_ += fmt::format("\n[parity: worker wrote {} unrequested stdout bytes '{}'; restarted]\n", n > 0 ? n : 0,
                             n > 0 ? escape_bytes(junk, static_cast<size_t>(n)) : std::string());
    kill_worker();
  }
  if (!may_start) return false;
  start();
  return true;
}

WorkerMessage WorkerClient::request(const json& header, const std::vector<uint8_t>& payload, double timeout_s) {
  if (!queue_.empty()) throw std::logic_error("WorkerClient::request: other requests are in flight");
  send(header, payload, timeout_s);
  return receive();
}

size_t WorkerClient::bytes_on_worker() const {
  size_t n = 0;
  for (const Outgoing& o : queue_)
    if (on_worker(o)) n += o.frame.size();
  return n;
}

void WorkerClient::send(const json& header, const std::vector<uint8_t>& payload, double timeout_s) {
  Outgoing o;
  o.frame = make_frame(header, payload);
  o.timeout_s = timeout_s < 0 ? opt_.request_timeout_s : timeout_s;
  queue_.push_back(std::move(o));
  const bool alone = queue_.size() == 1;
  try {
    pump(alone);
  } catch (...) {
    if (alone) queue_.clear();  // its failure is the caller's; nothing else was queued
    throw;
  }
}

// Writes, in order, the queued requests that are not on the current worker: ones sent while an earlier
// request was not on it yet, too large to wait in the pipe, or left behind by a worker that was killed. A
// request is written only once every request before it is on the worker (the worker answers in order), and,
// with others in flight, only if it fits in the pipe beside them, so the write cannot block while the worker
// blocks writing a large reply. The front request (nothing in flight) may start a worker; with
// `charge_front` its failures are thrown (they are its own), otherwise it stays queued for its receive().
void WorkerClient::pump(bool charge_front) {
  size_t in_pipe = bytes_on_worker();
  for (Outgoing& o : queue_) {
    if (on_worker(o)) continue;
    const bool front = in_pipe == 0;
    if (!front && in_pipe + o.frame.size() > pipe_budget_) return;
    // Starting a worker is left to the front request's own receive() (its failure to start is its own).
    if (front && !replace_if_unusable(charge_front)) return;
    try {
      write_request(o, front && charge_front);
    } catch (...) {
      if (front && charge_front) throw;
      return;
    }
    if (!on_worker(o)) return;
    in_pipe += o.frame.size();
  }
}

// Writes one request whole. A worker that never read the whole request cannot have been killed by it: when
// `charged` (the front request), a fresh worker gets it once more and a second failure is charged to the
// request; otherwise the worker died while answering an earlier request, and this one waits for its turn.
void WorkerClient::write_request(Outgoing& o, bool charged) {
  const double deadline = now_s() + o.timeout_s;
  const Io w = write_all(o.frame, deadline);
  if (w == Io::Ok) {
    o.worker = starts_;
    o.written_at = now_s();
    return;
  }
  if (!charged) {
    // Closed: the worker died answering an earlier request, whose receive() will say so (its reply may
    // still be in the pipe, so the worker is not killed here). A timeout cannot happen, as the request fit
    // in the pipe; should it, part of a frame may sit in the pipe, and this worker cannot take another.
    if (w == Io::Timeout) kill_worker();
    return;
  }
  if (w == Io::Timeout)
    fail_and_kill("timeout", fmt::format("did not take the request within {:.3g} s (killed)", o.timeout_s));
  if (o.write_failures++ == 0) {
    kill_worker();
    err_ring_ += "\n[parity: worker was gone before the request was delivered; restarted]\n";
    start();
    return write_request(o, true);
  }
  fail_and_kill("crash", "closed its stdin before taking the request");
}

WorkerMessage WorkerClient::receive() {
  if (queue_.empty()) throw std::logic_error("WorkerClient::receive: no request was sent");
  WorkerMessage m;
  try {
    Outgoing& o = queue_.front();
    if (!on_worker(o)) pump(true);
    // The timeout counts from when the worker could start this request: its write, or the previous reply.
    m = read_reply(o.timeout_s, std::max(o.written_at, last_reply_at_) + o.timeout_s);
  } catch (...) {
    queue_.pop_front();  // this request is over; a failure killed the worker, and the rest go to a new one
    throw;
  }
  queue_.pop_front();
  last_reply_at_ = now_s();
  try {
    pump(false);  // the worker may have been replaced: hand it what is waiting, so it works while we judge
  } catch (...) {
  }
  return m;
}

WorkerMessage WorkerClient::read_reply(double timeout_s, double deadline) {
  // The caller may have been busy for longer than the timeout (a big model's reference): a reply larger
  // than the pipe, which the worker finished writing only in part, still gets a moment to stream once read.
  deadline = std::max(deadline, now_s() + std::min(timeout_s, 2.0));
  uint8_t prefix[kPrefix];
  const auto check = [&](Io r, const char* what) {
    if (r == Io::Timeout)
      fail_and_kill("timeout", fmt::format("no reply within {:.3g} s (killed; the request hung)", timeout_s));
    if (r != Io::Ok) fail_and_kill("crash", fmt::format("exited while handling the request ({})", what));
  };
  check(read_exact(prefix, kPrefix, deadline), "no reply");
  if (std::memcmp(prefix, kMagic, 4) != 0) {
    uint8_t more[52];
    ssize_t n = static_cast<ssize_t>(take_buffered(more, sizeof more));
    if (n == 0) n = read(out_fd_, more, sizeof more);
    std::string seen = escape_bytes(prefix, kPrefix) + (n > 0 ? escape_bytes(more, static_cast<size_t>(n)) : "");
    fail_and_kill("protocol", fmt::format("wrote garbage instead of a reply frame: '{}'", seen));
  }
  const uint32_t hlen = get_u32(prefix + 4), plen = get_u32(prefix + 8);
  if (hlen > kMaxHeader || plen > kMaxPayload)
    fail_and_kill("protocol", fmt::format("reply frame too large (header {} bytes, payload {} bytes)", hlen, plen));
  std::string hbytes(hlen, '\0');
  check(read_exact(reinterpret_cast<uint8_t*>(hbytes.data()), hlen, deadline), "reply header cut short");
  WorkerMessage m;
  m.payload.resize(plen);
  check(read_exact(m.payload.data(), plen, deadline), "reply payload cut short");
  try {
    m.header = json::parse(hbytes);
  } catch (const json::exception& e) {
    fail_and_kill("protocol", fmt::format("reply header is not JSON ({}): '{}'", e.what(),
                                          escape_bytes(reinterpret_cast<const uint8_t*>(hbytes.data()),
                                                       std::min<size_t>(hbytes.size(), 64))));
  }
  if (!m.header.is_object()) fail_and_kill("protocol", "reply header is not a JSON object");
  // The worker announces it exits after this reply (a WebAssembly trap): replace it now, so the next
  // request cannot race its exit and be charged a crash.
  if (m.header.value("worker_exits", false)) kill_worker();
  return m;
}

}  // namespace parity
