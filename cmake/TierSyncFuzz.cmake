# libFuzzer targets (tests/fuzz) for every parser of outside input. Needs clang (Debian's
# clang-14 and libclang-rt-14-dev): the engine's libraries get coverage instrumentation
# (-fsanitize=fuzzer-no-link) with ASan + UBSan, the fuzz targets link libFuzzer's main.
# The `fuzz` preset configures it; `./packaging/dev.sh fuzz [seconds]` builds and runs them.
option(TIERSYNC_FUZZ "Build the libFuzzer targets (clang only) under ASan + UBSan" OFF)

if(TIERSYNC_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "TIERSYNC_FUZZ needs clang (libFuzzer), not ${CMAKE_CXX_COMPILER_ID}: "
                        "use the fuzz preset (clang++-14)")
  endif()
  if(TIERSYNC_SANITIZE)
    message(FATAL_ERROR "TIERSYNC_FUZZ already builds with ASan + UBSan; leave TIERSYNC_SANITIZE off")
  endif()
  # -O1: fast enough to fuzz, Debug otherwise (Q_ASSERT stays on).
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined -O1)
  add_link_options(-fsanitize=address,undefined)
endif()
