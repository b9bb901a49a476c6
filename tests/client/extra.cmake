# The driver's tests run an in-process `latchkey serve` (tests/server's
# ServerFixture and LockNode) on loopback.
target_link_libraries(test_client PRIVATE latchkey_server)
# The C example (examples/c_status.c) is run by c_api_test.cpp.
add_dependencies(test_client c_status)
target_compile_definitions(test_client PRIVATE LATCHKEY_C_STATUS="$<TARGET_FILE:c_status>"
                                               LATCHKEY_PROJECT_VERSION="${PROJECT_VERSION}")
