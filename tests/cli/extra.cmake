# The probe tests run the latchkey binary itself (what other implementations'
# test harnesses drive), so it must be built first.
add_dependencies(test_cli latchkey)
target_compile_definitions(test_cli PRIVATE LATCHKEY_BINARY="$<TARGET_FILE:latchkey>")
