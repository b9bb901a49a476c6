# The crash test runs the real `latchkey serve` binary.
if(TARGET latchkey)
  add_dependencies(test_server latchkey)
  target_compile_definitions(test_server PRIVATE LATCHKEY_BINARY="$<TARGET_FILE:latchkey>")
endif()
