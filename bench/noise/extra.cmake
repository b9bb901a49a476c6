find_package(Threads REQUIRED)
target_link_libraries(bench_noise PRIVATE Threads::Threads)
