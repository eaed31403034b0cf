{
  "targets": [
    {
      "target_name": "flite",
      "sources": ["src/flite_addon.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "/usr/include/flite"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O2"],
      "libraries": [
        "-lflite_cmu_us_slt",
        "-lflite_cmu_us_rms",
        "-lflite_cmu_us_awb",
        "-lflite_cmu_us_kal16",
        "-lflite_usenglish",
        "-lflite_cmulex",
        "-lflite",
        "-lm"
      ]
    }
  ]
}
