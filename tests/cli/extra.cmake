# The probe tests run the latchkey binary itself (what other implementations'
# test harnesses drive), so it must be built first.
add_dependencies(test_cli latchkey)
target_compile_definitions(test_cli PRIVATE LATCHKEY_BINARY="$<TARGET_FILE:latchkey>")
# The admin command tests run against both database backends (the
# PostgreSQL server fixture of the store tests).
target_sources(test_cli PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/store/store_fixture.cpp)
