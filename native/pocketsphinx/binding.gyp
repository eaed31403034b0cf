{
  "targets": [
    {
      "target_name": "pocketsphinx",
      "sources": ["src/addon.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(pkg-config --cflags-only-I pocketsphinx sphinxbase | sed s/-I//g)"
      ],
      "libraries": ["<!@(pkg-config --libs pocketsphinx sphinxbase)"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O2"],
      "cflags_cc!": ["-fno-exceptions"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"]
    }
  ]
}
