# The load tool's core (bench/server/load): a library so that both the
# latchkey_load program (built with the benches) and the smoke test in
# tests/server (built without them too) use the same code.
if(NOT TARGET latchkey_load_core)
  add_library(latchkey_load_core STATIC
    ${CMAKE_CURRENT_LIST_DIR}/encode_rate.cpp
    ${CMAKE_CURRENT_LIST_DIR}/load_run.cpp
    ${CMAKE_CURRENT_LIST_DIR}/map_scan.cpp
    ${CMAKE_CURRENT_LIST_DIR}/proc_stats.cpp
    ${CMAKE_CURRENT_LIST_DIR}/server_process.cpp)
  target_include_directories(latchkey_load_core PUBLIC ${CMAKE_CURRENT_LIST_DIR})
  target_compile_options(latchkey_load_core PRIVATE ${LATCHKEY_WARNINGS})
  target_link_libraries(latchkey_load_core PUBLIC latchkey_server latchkey_transport latchkey_store latchkey_tailcfg)
endif()
