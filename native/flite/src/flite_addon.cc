// Parley's flite binding: streaming synthesis on a worker thread.
//
// synthesize(voice, text, options, onChunk, onDone) starts one synthesis and returns a cancel
// function. flite's audio stream callback hands each chunk to JS as soon as it is made; once
// cancel() is called the callback answers CST_AUDIO_STREAM_STOP, so flite stops within one chunk.
#include <napi.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

extern "C" {
#include <flite.h>
cst_voice *register_cmu_us_slt(const char *voxdir);
cst_voice *register_cmu_us_rms(const char *voxdir);
cst_voice *register_cmu_us_awb(const char *voxdir);
cst_voice *register_cmu_us_kal16(const char *voxdir);
}

namespace {

struct VoiceEntry {
  cst_voice *(*reg)(const char *);
  cst_voice *voice = nullptr;
  // flite is not documented as safe for concurrent synthesis on one voice; JS queues per voice
  // too, this lock only guards against a caller that does not.
  std::mutex busy;
};

std::map<std::string, VoiceEntry> &voices() {
  static std::map<std::string, VoiceEntry> table = [] {
    std::map<std::string, VoiceEntry> t;
    t["slt"].reg = register_cmu_us_slt;
    t["rms"].reg = register_cmu_us_rms;
    t["awb"].reg = register_cmu_us_awb;
    t["kal16"].reg = register_cmu_us_kal16;
    return t;
  }();
  return table;
}

// Registration touches flite's global voice list, so it happens once per process, under a lock
// (worker_threads may load this addon in several JS environments).
VoiceEntry *loadVoice(const std::string &name) {
  static std::mutex registering;
  std::lock_guard<std::mutex> lock(registering);
  auto &table = voices();
  auto it = table.find(name);
  if (it == table.end()) return nullptr;
  if (it->second.voice == nullptr) it->second.voice = it->second.reg(nullptr);
  return it->second.voice ? &it->second : nullptr;
}

class SynthesisWorker : public Napi::AsyncProgressQueueWorker<int16_t> {
 public:
  SynthesisWorker(Napi::Function onChunk, Napi::Function onDone, VoiceEntry *voice, std::string text,
                  float durationStretch, int chunkSamples, std::shared_ptr<std::atomic<bool>> cancelled)
      : Napi::AsyncProgressQueueWorker<int16_t>(onDone, "parley.flite.synthesize"),
        onChunk_(Napi::Persistent(onChunk)),
        voice_(voice),
        text_(std::move(text)),
        durationStretch_(durationStretch),
        chunkSamples_(chunkSamples),
        cancelled_(std::move(cancelled)) {}

  void Execute(const ExecutionProgress &progress) override {
    std::lock_guard<std::mutex> lock(voice_->busy);
    if (cancelled_->load()) {
      stopped_ = true;
      return;
    }
    progress_ = &progress;
    cst_utterance *utt = new_utterance();
    utt_set_input_text(utt, text_.c_str());
    utt_init(utt, voice_->voice);
    feat_set_float(utt->features, "duration_stretch", durationStretch_);
    cst_audio_streaming_info *asi = new_audio_streaming_info();
    asi->min_buffsize = chunkSamples_;
    asi->asc = &SynthesisWorker::OnAudio;
    asi->userdata = this;
    // The utterance owns asi from here: deleting the utterance deletes it.
    feat_set(utt->features, "streaming_info", audio_streaming_info_val(asi));
    utt_synth(utt);
    delete_utterance(utt);
    progress_ = nullptr;
  }

  void OnProgress(const int16_t *data, size_t count) override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    Napi::Int16Array chunk = Napi::Int16Array::New(env, count);
    std::copy(data, data + count, chunk.Data());
    onChunk_.Call({chunk});
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object info = Napi::Object::New(env);
    info.Set("stopped", Napi::Boolean::New(env, stopped_));
    info.Set("samples", Napi::Number::New(env, static_cast<double>(samples_)));
    info.Set("sampleRate", Napi::Number::New(env, sampleRate_));
    Callback().Call({env.Null(), info});
  }

  void OnError(const Napi::Error &e) override { Callback().Call({e.Value()}); }

 private:
  static int OnAudio(const cst_wave *w, int start, int size, int last, cst_audio_streaming_info *asi) {
    auto *self = static_cast<SynthesisWorker *>(asi->userdata);
    if (self->cancelled_->load()) {
      self->stopped_ = true;
      return CST_AUDIO_STREAM_STOP;
    }
    self->sampleRate_ = w->sample_rate;
    if (size > 0) {
      self->progress_->Send(w->samples + start, static_cast<size_t>(size));
      self->samples_ += size;
    }
    (void)last;
    return CST_AUDIO_STREAM_CONT;
  }

  Napi::FunctionReference onChunk_;
  VoiceEntry *voice_;
  std::string text_;
  float durationStretch_;
  int chunkSamples_;
  std::shared_ptr<std::atomic<bool>> cancelled_;
  const ExecutionProgress *progress_ = nullptr;
  bool stopped_ = false;
  int64_t samples_ = 0;
  int sampleRate_ = 0;
};

Napi::Value Voices(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  for (auto &entry : voices()) out.Set(i++, Napi::String::New(env, entry.first));
  return out;
}

// synthesize(voice, text, {durationStretch, chunkSamples}, onChunk(Int16Array), onDone(err, info))
Napi::Value Synthesize(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsString() || !info[1].IsString() || !info[2].IsObject() ||
      !info[3].IsFunction() || !info[4].IsFunction()) {
    throw Napi::TypeError::New(env, "synthesize(voice, text, options, onChunk, onDone)");
  }
  std::string name = info[0].As<Napi::String>().Utf8Value();
  VoiceEntry *voice = loadVoice(name);
  if (voice == nullptr) throw Napi::Error::New(env, "unknown flite voice '" + name + "'");
  Napi::Object opts = info[2].As<Napi::Object>();
  float stretch = 1.0f;
  if (opts.Has("durationStretch")) stretch = opts.Get("durationStretch").As<Napi::Number>().FloatValue();
  int chunkSamples = 320;
  if (opts.Has("chunkSamples")) chunkSamples = opts.Get("chunkSamples").As<Napi::Number>().Int32Value();
  if (!(stretch > 0.05f && stretch < 20.0f)) throw Napi::RangeError::New(env, "durationStretch out of range");
  if (chunkSamples < 16) throw Napi::RangeError::New(env, "chunkSamples must be at least 16");

  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  auto *worker = new SynthesisWorker(info[3].As<Napi::Function>(), info[4].As<Napi::Function>(), voice,
                                     info[1].As<Napi::String>().Utf8Value(), stretch, chunkSamples, cancelled);
  worker->Queue();
  return Napi::Function::New(
      env, [cancelled](const Napi::CallbackInfo &) { cancelled->store(true); }, "cancel");
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  flite_init();
  exports.Set("voices", Napi::Function::New(env, Voices, "voices"));
  exports.Set("synthesize", Napi::Function::New(env, Synthesize, "synthesize"));
  return exports;
}

}  // namespace

NODE_API_MODULE(flite, Init)
