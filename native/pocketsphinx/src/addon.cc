// Parley's binding to the system pocketsphinx decoder.
//
// Every call that decodes (create, process, end, cancel) runs on the libuv thread pool and
// returns a Promise, so a slow chunk never blocks the event loop. A decoder is not
// re-entrant: each one keeps its own queue and runs at most one job at a time, in call order.
#include <napi.h>

#include <pocketsphinx.h>
#include <sphinxbase/cmn.h>
#include <sphinxbase/err.h>
#include <sphinxbase/feat.h>

#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace {

// Model loading touches sphinxbase globals (logging, memory-mapped files); one at a time.
std::mutex g_init_mutex;

class Decoder;

// A unit of work on one decoder; the decoder queues it and starts it when idle.
class DecoderJob : public Napi::AsyncWorker {
 public:
  DecoderJob(Napi::Env env, Decoder* decoder);
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void OnOK() override;
  void OnError(const Napi::Error& e) override;
  virtual Napi::Value Result(Napi::Env env) { return env.Undefined(); }
  Decoder* decoder_;

 private:
  Napi::Promise::Deferred deferred_;
};

class Decoder : public Napi::ObjectWrap<Decoder> {
 public:
  static Napi::FunctionReference constructor;

  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Decoder",
                       {
                           InstanceMethod("process", &Decoder::Process),
                           InstanceMethod("end", &Decoder::End),
                           InstanceMethod("cancel", &Decoder::Cancel),
                           InstanceMethod("getAdaptation", &Decoder::GetAdaptation),
                           InstanceMethod("setAdaptation", &Decoder::SetAdaptation),
                           InstanceMethod("free", &Decoder::Free),
                       });
  }

  explicit Decoder(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Decoder>(info) {
    if (info.Length() != 1 || !info[0].IsExternal()) {
      throw Napi::TypeError::New(info.Env(), "Decoder is created with createDecoder()");
    }
    ps_ = info[0].As<Napi::External<ps_decoder_t>>().Data();
  }

  ~Decoder() override { Release(); }

  ps_decoder_t* ps() { return ps_; }
  bool in_utterance = false;

  void Enqueue(DecoderJob* job) {
    Ref();  // keep the JS object (and so the decoder) alive while work is pending
    if (busy_) {
      queue_.push_back(job);
    } else {
      busy_ = true;
      job->Queue();
    }
  }

  // Called on the main thread when a job has settled.
  void JobDone() {
    Unref();
    if (!queue_.empty()) {
      DecoderJob* next = queue_.front();
      queue_.pop_front();
      next->Queue();
      return;
    }
    busy_ = false;
    if (free_requested_) Release();
  }

 private:
  Napi::Value Process(const Napi::CallbackInfo& info);
  Napi::Value End(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value GetAdaptation(const Napi::CallbackInfo& info);
  Napi::Value SetAdaptation(const Napi::CallbackInfo& info);

  Napi::Value Free(const Napi::CallbackInfo& info) {
    free_requested_ = true;
    if (!busy_) Release();
    return info.Env().Undefined();
  }

  bool CheckOpen(Napi::Env env) {
    if (ps_ == nullptr || free_requested_) {
      throw Napi::Error::New(env, "pocketsphinx decoder is closed");
    }
    return true;
  }

  void Release() {
    if (ps_ != nullptr) {
      ps_free(ps_);
      ps_ = nullptr;
    }
  }

  ps_decoder_t* ps_ = nullptr;
  bool busy_ = false;
  bool free_requested_ = false;
  std::deque<DecoderJob*> queue_;
};

Napi::FunctionReference Decoder::constructor;

DecoderJob::DecoderJob(Napi::Env env, Decoder* decoder)
    : Napi::AsyncWorker(env, "pocketsphinx"), decoder_(decoder), deferred_(Napi::Promise::Deferred::New(env)) {}

void DecoderJob::OnOK() {
  deferred_.Resolve(Result(Env()));
  decoder_->JobDone();
}

void DecoderJob::OnError(const Napi::Error& e) {
  deferred_.Reject(e.Value());
  decoder_->JobDone();
}

std::string CurrentHypothesis(ps_decoder_t* ps) {
  int32 score = 0;
  const char* hyp = ps_get_hyp(ps, &score);
  return hyp == nullptr ? std::string() : std::string(hyp);
}

class ProcessJob : public DecoderJob {
 public:
  ProcessJob(Napi::Env env, Decoder* decoder, std::vector<int16_t> samples)
      : DecoderJob(env, decoder), samples_(std::move(samples)) {}

  void Execute() override {
    ps_decoder_t* ps = decoder_->ps();
    if (!decoder_->in_utterance) {
      if (ps_start_utt(ps) < 0) return SetError("pocketsphinx could not start an utterance");
      decoder_->in_utterance = true;
    }
    if (ps_process_raw(ps, samples_.data(), samples_.size(), 0, 0) < 0) {
      return SetError("pocketsphinx failed to decode the audio");
    }
    hypothesis_ = CurrentHypothesis(ps);
  }

  Napi::Value Result(Napi::Env env) override { return Napi::String::New(env, hypothesis_); }

 private:
  std::vector<int16_t> samples_;
  std::string hypothesis_;
};

class EndJob : public DecoderJob {
 public:
  using DecoderJob::DecoderJob;

  void Execute() override {
    ps_decoder_t* ps = decoder_->ps();
    if (!decoder_->in_utterance) {
      // An utterance with no audio: nothing was said.
      hypothesis_.clear();
      return;
    }
    decoder_->in_utterance = false;
    if (ps_end_utt(ps) < 0) return SetError("pocketsphinx could not finish the utterance");
    hypothesis_ = CurrentHypothesis(ps);
  }

  Napi::Value Result(Napi::Env env) override { return Napi::String::New(env, hypothesis_); }

 private:
  std::string hypothesis_;
};

class CancelJob : public DecoderJob {
 public:
  using DecoderJob::DecoderJob;

  void Execute() override {
    if (!decoder_->in_utterance) return;
    decoder_->in_utterance = false;
    ps_end_utt(decoder_->ps());
  }
};

// The speaker/channel adaptation a decoder carries from one utterance to the next: the live
// cepstral mean normalization (running mean, the sums it is updated from, their frame count).
// Serialized as bytes so the caller can keep one state per conversation and put it back on
// whichever pooled decoder serves that conversation's next utterance.
cmn_t* CmnOf(ps_decoder_t* ps) {
  feat_t* feat = ps_get_feat(ps);
  return feat == nullptr ? nullptr : feat->cmn_struct;
}

size_t AdaptationBytes(const cmn_t* cmn) {
  return 2 * static_cast<size_t>(cmn->veclen) * sizeof(mfcc_t) + sizeof(int32);
}

class GetAdaptationJob : public DecoderJob {
 public:
  using DecoderJob::DecoderJob;

  void Execute() override {
    cmn_t* cmn = CmnOf(decoder_->ps());
    if (cmn == nullptr) return SetError("pocketsphinx decoder has no cepstral mean normalization state");
    const size_t vec = static_cast<size_t>(cmn->veclen) * sizeof(mfcc_t);
    state_.resize(AdaptationBytes(cmn));
    std::memcpy(state_.data(), cmn->cmn_mean, vec);
    std::memcpy(state_.data() + vec, cmn->sum, vec);
    std::memcpy(state_.data() + 2 * vec, &cmn->nframe, sizeof(int32));
  }

  Napi::Value Result(Napi::Env env) override {
    return Napi::Buffer<uint8_t>::Copy(env, state_.data(), state_.size());
  }

 private:
  std::vector<uint8_t> state_;
};

class SetAdaptationJob : public DecoderJob {
 public:
  SetAdaptationJob(Napi::Env env, Decoder* decoder, std::vector<uint8_t> state)
      : DecoderJob(env, decoder), state_(std::move(state)) {}

  void Execute() override {
    if (decoder_->in_utterance) return SetError("adaptation can only be set between utterances");
    cmn_t* cmn = CmnOf(decoder_->ps());
    if (cmn == nullptr) return SetError("pocketsphinx decoder has no cepstral mean normalization state");
    if (state_.size() != AdaptationBytes(cmn)) {
      return SetError("adaptation state does not match this decoder's acoustic model");
    }
    const size_t vec = static_cast<size_t>(cmn->veclen) * sizeof(mfcc_t);
    std::memcpy(cmn->cmn_mean, state_.data(), vec);
    std::memcpy(cmn->sum, state_.data() + vec, vec);
    std::memcpy(&cmn->nframe, state_.data() + 2 * vec, sizeof(int32));
  }

 private:
  std::vector<uint8_t> state_;
};

Napi::Value Decoder::GetAdaptation(const Napi::CallbackInfo& info) {
  CheckOpen(info.Env());
  auto* job = new GetAdaptationJob(info.Env(), this);
  Napi::Promise promise = job->Promise();
  Enqueue(job);
  return promise;
}

Napi::Value Decoder::SetAdaptation(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  if (info.Length() < 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(env, "setAdaptation() expects the Uint8Array from getAdaptation()");
  }
  auto array = info[0].As<Napi::Uint8Array>();
  std::vector<uint8_t> state(array.Data(), array.Data() + array.ElementLength());
  auto* job = new SetAdaptationJob(env, this, std::move(state));
  Napi::Promise promise = job->Promise();
  Enqueue(job);
  return promise;
}

Napi::Value Decoder::Process(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  if (info.Length() < 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_int16_array) {
    throw Napi::TypeError::New(env, "process() expects an Int16Array of 16 kHz mono samples");
  }
  auto array = info[0].As<Napi::Int16Array>();
  // Copied: the caller may reuse its buffer while the pool thread decodes.
  std::vector<int16_t> samples(array.Data(), array.Data() + array.ElementLength());
  auto* job = new ProcessJob(env, this, std::move(samples));
  Napi::Promise promise = job->Promise();
  Enqueue(job);
  return promise;
}

Napi::Value Decoder::End(const Napi::CallbackInfo& info) {
  CheckOpen(info.Env());
  auto* job = new EndJob(info.Env(), this);
  Napi::Promise promise = job->Promise();
  Enqueue(job);
  return promise;
}

Napi::Value Decoder::Cancel(const Napi::CallbackInfo& info) {
  CheckOpen(info.Env());
  auto* job = new CancelJob(info.Env(), this);
  Napi::Promise promise = job->Promise();
  Enqueue(job);
  return promise;
}

// Loads the acoustic model, language model and dictionary on the thread pool.
class CreateJob : public Napi::AsyncWorker {
 public:
  CreateJob(Napi::Env env, std::vector<std::string> args)
      : Napi::AsyncWorker(env, "pocketsphinx-create"),
        args_(std::move(args)),
        deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    std::lock_guard<std::mutex> lock(g_init_mutex);
    std::vector<char*> argv;
    argv.reserve(args_.size());
    for (auto& a : args_) argv.push_back(a.data());
    cmd_ln_t* config = cmd_ln_parse_r(nullptr, ps_args(), static_cast<int32>(argv.size()), argv.data(), TRUE);
    if (config == nullptr) return SetError("pocketsphinx rejected the decoder options");
    ps_ = ps_init(config);
    cmd_ln_free_r(config);
    if (ps_ == nullptr) {
      SetError("pocketsphinx could not load its models (acoustic model, language model or dictionary)");
    }
  }

  void OnOK() override {
    Napi::Object decoder = Decoder::constructor.New({Napi::External<ps_decoder_t>::New(Env(), ps_)});
    deferred_.Resolve(decoder);
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  std::vector<std::string> args_;
  Napi::Promise::Deferred deferred_;
  ps_decoder_t* ps_ = nullptr;
};

// createDecoder(args: string[]): Promise<Decoder>, args as pocketsphinx flags ('-hmm', path, …).
Napi::Value CreateDecoder(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) {
    throw Napi::TypeError::New(env, "createDecoder() expects an array of option strings");
  }
  auto list = info[0].As<Napi::Array>();
  std::vector<std::string> args;
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value v = list.Get(i);
    if (!v.IsString()) throw Napi::TypeError::New(env, "decoder options must be strings");
    args.push_back(v.As<Napi::String>().Utf8Value());
  }
  auto* job = new CreateJob(env, std::move(args));
  Napi::Promise promise = job->Promise();
  job->Queue();
  return promise;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Logging off for the whole process. A per-decoder '-logfn' would reopen the shared log
  // stream while other decoders write to it from pool threads.
  err_set_logfp(nullptr);
  Napi::Function ctor = Decoder::Init(env);
  Decoder::constructor = Napi::Persistent(ctor);
  Decoder::constructor.SuppressDestruct();
  exports.Set("Decoder", ctor);
  exports.Set("createDecoder", Napi::Function::New(env, CreateDecoder));
  return exports;
}

}  // namespace

NODE_API_MODULE(pocketsphinx, Init)
