# The driver's tests run an in-process `latchkey serve` (tests/server's
# ServerFixture and LockNode) on loopback.
target_link_libraries(test_client PRIVATE latchkey_server)
