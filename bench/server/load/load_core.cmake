# The load tools' core (bench/server/load): a library so that the
# latchkey_load and latchkey_soak programs (built with the benches) and their
# smoke tests in tests/server (built without them too) use the same code.
if(NOT TARGET latchkey_load_core)
  add_library(latchkey_load_core STATIC
    ${CMAKE_CURRENT_LIST_DIR}/client_threads.cpp
    ${CMAKE_CURRENT_LIST_DIR}/encode_rate.cpp
    ${CMAKE_CURRENT_LIST_DIR}/load_run.cpp
    ${CMAKE_CURRENT_LIST_DIR}/map_scan.cpp
    ${CMAKE_CURRENT_LIST_DIR}/map_stream_reader.cpp
    ${CMAKE_CURRENT_LIST_DIR}/proc_stats.cpp
    ${CMAKE_CURRENT_LIST_DIR}/server_process.cpp
    ${CMAKE_CURRENT_LIST_DIR}/sim_node.cpp
    ${CMAKE_CURRENT_LIST_DIR}/soak_run.cpp
    ${CMAKE_CURRENT_LIST_DIR}/tailnet_seed.cpp)
  target_include_directories(latchkey_load_core PUBLIC ${CMAKE_CURRENT_LIST_DIR})
  target_compile_options(latchkey_load_core PRIVATE ${LATCHKEY_WARNINGS})
  target_link_libraries(latchkey_load_core PUBLIC latchkey_server latchkey_transport latchkey_store latchkey_tailcfg)
endif()
