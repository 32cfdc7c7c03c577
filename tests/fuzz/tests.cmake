# The config fuzz target: ctest replays the corpus with any compiler; with clang,
# -DEWOE_FUZZ=ON also builds the libFuzzer binary (fuzz_config CORPUS_DIR -close_fd_mask=2).
add_executable(replay_config fuzz/fuzz_config.c fuzz/replay.c)
target_link_libraries(replay_config PRIVATE ewoe_core)
target_link_options(replay_config PRIVATE -Wl,--exclude-libs,ALL)
add_test(NAME unit/fuzz_config_corpus
         COMMAND replay_config ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus_config)
set_tests_properties(unit/fuzz_config_corpus PROPERTIES LABELS "unit;fuzz")

option(EWOE_FUZZ "Build libFuzzer targets (clang only)" OFF)
if(EWOE_FUZZ)
  add_executable(fuzz_config fuzz/fuzz_config.c)
  target_compile_options(fuzz_config PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(fuzz_config PRIVATE -fsanitize=fuzzer,address,undefined
                      -Wl,--exclude-libs,ALL)
  target_link_libraries(fuzz_config PRIVATE ewoe_core)
endif()
