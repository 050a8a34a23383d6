{
  # The one build definition. Sources are listed by scripts/list-sources.cjs:
  # *_avx2.cc and *_avx512.cc get their own ISA flags in their own static libraries and are only
  # called after run-time CPU detection (native/runtime/cpu.cc); everything else is baseline x86-64.
  "variables": {
    "cnn2mlp_common_cflags": ["-O3", "-fno-math-errno", "-fno-trapping-math", "-fvisibility=hidden", "-Wall", "-Wextra", "-Wno-unused-parameter"]
  },
  "target_defaults": {
    "cflags_cc!": ["-fno-exceptions", "-O2", "-O0"],
    "cflags_cc": ["-std=c++17", "-fexceptions", "-fPIC", "<@(cnn2mlp_common_cflags)"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native"],
    "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"]
  },
  "targets": [
    {
      "target_name": "kernels_avx2",
      "type": "static_library",
      "cflags_cc": ["-mavx2", "-mfma", "-mf16c"],
      "sources": ["<!@(node scripts/list-sources.cjs avx2)"]
    },
    {
      "target_name": "kernels_avx512",
      "type": "static_library",
      "cflags_cc": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx2", "-mfma"],
      "sources": ["<!@(node scripts/list-sources.cjs avx512)"]
    },
    {
      "target_name": "cnn2mlp",
      "dependencies": ["kernels_avx2", "kernels_avx512"],
      "sources": ["<!@(node scripts/list-sources.cjs core)"],
      "libraries": ["-lpthread"]
    }
  ]
}
