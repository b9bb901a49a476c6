# nlohmann::json is benchmarked as the alternative the codec did not choose.
target_link_libraries(bench_tailcfg PRIVATE nlohmann_json::nlohmann_json)
