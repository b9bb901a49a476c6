# latchkey_load (bench/server/load): N simulated nodes against a real
# `latchkey serve` process.
include(${CMAKE_CURRENT_LIST_DIR}/load/load_core.cmake)
add_executable(latchkey_load ${CMAKE_CURRENT_LIST_DIR}/load/main.cpp)
target_compile_options(latchkey_load PRIVATE ${LATCHKEY_WARNINGS})
target_link_libraries(latchkey_load PRIVATE latchkey_load_core)
if(TARGET latchkey)
  add_dependencies(latchkey_load latchkey)
  target_compile_definitions(latchkey_load PRIVATE LATCHKEY_BINARY="$<TARGET_FILE:latchkey>")
endif()
# latchkey_soak (bench/server/load): N simulated nodes reconnecting in waves
# against one `latchkey serve` process (issue 12's soak).
add_executable(latchkey_soak ${CMAKE_CURRENT_LIST_DIR}/load/soak_main.cpp)
target_compile_options(latchkey_soak PRIVATE ${LATCHKEY_WARNINGS})
target_link_libraries(latchkey_soak PRIVATE latchkey_load_core)
if(TARGET latchkey)
  add_dependencies(latchkey_soak latchkey)
  target_compile_definitions(latchkey_soak PRIVATE LATCHKEY_BINARY="$<TARGET_FILE:latchkey>")
endif()
