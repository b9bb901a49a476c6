# The crash test runs the real `latchkey serve` binary.
if(TARGET latchkey)
  add_dependencies(test_server latchkey)
  target_compile_definitions(test_server PRIVATE LATCHKEY_BINARY="$<TARGET_FILE:latchkey>")
endif()
# The load tool's core, for its smoke test (load_smoke_test.cpp).
include(${PROJECT_SOURCE_DIR}/bench/server/load/load_core.cmake)
target_link_libraries(test_server PRIVATE latchkey_load_core)
