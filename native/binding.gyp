{
  "targets": [
    {
      "target_name": "rnnkit_native",
      "sources": [
        "src/addon.cc",
        "src/pool.cc",
        "src/isa_generic.cc",
        "src/isa_avx2.cc",
        "src/isa_avx512.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_DISABLE_CPP_EXCEPTIONS", "NAPI_VERSION=8"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=c++17"],
      "cflags_cc": ["-std=gnu++20", "-O3", "-fvisibility=hidden", "-ffp-contract=fast", "-Wno-psabi"],
      "xcode_settings": {
        "OTHER_CPLUSPLUSFLAGS": ["-std=gnu++20", "-O3", "-ffp-contract=fast"]
      },
      "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/std:c++20", "/O2"] } }
    }
  ]
}
