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
